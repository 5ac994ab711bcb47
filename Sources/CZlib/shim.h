#include <zlib.h>

// deflateInit2/inflateInit2 are macros Swift cannot import; these wrap them for gzip streams
// (windowBits 15 + 16 selects the gzip header and trailer).
static inline int cz_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static inline int cz_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 16);
}

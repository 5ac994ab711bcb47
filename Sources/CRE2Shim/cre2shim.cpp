#include "cre2shim.h"

#include <re2/re2.h>

#include <map>
#include <string>
#include <vector>

struct cre2_regex {
    re2::RE2 *re;
    std::string error_arg;
    std::vector<std::string> group_names;  // index 0 unused; "" when unnamed
};

extern "C" cre2_regex *cre2_compile(const char *pattern, size_t len, int64_t max_mem) {
    re2::RE2::Options options;
    options.set_encoding(re2::RE2::Options::EncodingUTF8);
    options.set_longest_match(false);
    options.set_log_errors(false);
    if (max_mem > 0) options.set_max_mem(max_mem);
    // A NULL pointer with length 0 would read as "no string"; pass "" instead.
    re2::StringPiece piece(pattern ? pattern : "", pattern ? len : 0);
    auto *out = new cre2_regex();
    out->re = new re2::RE2(piece, options);
    out->error_arg = out->re->error_arg();
    int groups = out->re->NumberOfCapturingGroups();
    out->group_names.assign(groups > 0 ? groups + 1 : 1, std::string());
    for (const auto &entry : out->re->CapturingGroupNames()) {
        if (entry.first >= 0 && entry.first < (int)out->group_names.size())
            out->group_names[entry.first] = entry.second;
    }
    return out;
}

extern "C" void cre2_free(cre2_regex *re) {
    if (!re) return;
    delete re->re;
    delete re;
}

extern "C" int cre2_ok(const cre2_regex *re) { return re->re->ok() ? 1 : 0; }
extern "C" const char *cre2_error(const cre2_regex *re) { return re->re->error().c_str(); }
extern "C" int cre2_error_code(const cre2_regex *re) { return (int)re->re->error_code(); }
extern "C" const char *cre2_error_arg(const cre2_regex *re) { return re->error_arg.c_str(); }

extern "C" int cre2_num_groups(const cre2_regex *re) {
    return re->re->ok() ? re->re->NumberOfCapturingGroups() : 0;
}

extern "C" const char *cre2_group_name(const cre2_regex *re, int index) {
    if (index <= 0 || index >= (int)re->group_names.size()) return nullptr;
    const std::string &name = re->group_names[index];
    return name.empty() ? nullptr : name.c_str();
}

extern "C" int cre2_full_match(const cre2_regex *re, const char *text, size_t len) {
    re2::StringPiece piece(text ? text : "", text ? len : 0);
    return re2::RE2::FullMatch(piece, *re->re) ? 1 : 0;
}

static int cre2_match_at(const cre2_regex *re, const char *text, size_t len, size_t start, int anchored,
                         int64_t *offsets, int nsub);

extern "C" int cre2_full_match_groups(const cre2_regex *re, const char *text, size_t len,
                                      int64_t *offsets, int nsub) {
    if (nsub <= 0) return cre2_full_match(re, text, len);
    return cre2_match_at(re, text, len, 0, 1, offsets, nsub);
}

extern "C" int cre2_find_groups(const cre2_regex *re, const char *text, size_t len, size_t start,
                                int64_t *offsets, int nsub) {
    return cre2_match_at(re, text, len, start, 0, offsets, nsub);
}

static int cre2_match_at(const cre2_regex *re, const char *text, size_t len, size_t start, int anchored,
                         int64_t *offsets, int nsub) {
    const char *base = text ? text : "";
    re2::StringPiece piece(base, text ? len : 0);
    // Small fixed buffer for the common case; heap only for patterns with many groups.
    re2::StringPiece stack[16];
    std::vector<re2::StringPiece> heap;
    re2::StringPiece *groups = stack;
    if (nsub > 16) {
        heap.resize(nsub);
        groups = heap.data();
    }
    bool ok = re->re->Match(piece, start, piece.size(), anchored ? re2::RE2::ANCHOR_BOTH : re2::RE2::UNANCHORED, groups, nsub);
    if (!ok) return 0;
    for (int i = 0; i < nsub; i++) {
        if (groups[i].data() == nullptr) {
            offsets[2 * i] = -1;
            offsets[2 * i + 1] = -1;
        } else {
            offsets[2 * i] = groups[i].data() - base;
            offsets[2 * i + 1] = offsets[2 * i] + (int64_t)groups[i].size();
        }
    }
    return 1;
}

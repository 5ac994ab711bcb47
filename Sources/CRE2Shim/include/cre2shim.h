// A pure-C view of RE2, so Swift imports it without C++ interop.
#ifndef CRE2SHIM_H
#define CRE2SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cre2_regex cre2_regex;

/// Compiles `pattern` as UTF-8, leftmost-first (Go's semantics), errors not logged.
/// `max_mem` <= 0 keeps RE2's default budget. Never returns NULL; check `cre2_ok`.
cre2_regex *cre2_compile(const char *pattern, size_t len, int64_t max_mem);
void cre2_free(cre2_regex *re);

int cre2_ok(const cre2_regex *re);
const char *cre2_error(const cre2_regex *re);
int cre2_error_code(const cre2_regex *re);
const char *cre2_error_arg(const cre2_regex *re);

/// Number of capturing groups, not counting group 0.
int cre2_num_groups(const cre2_regex *re);
/// The name of group `index` (1-based), or NULL when it is unnamed.
const char *cre2_group_name(const cre2_regex *re, int index);

/// 1 when the whole of `text` matches.
int cre2_full_match(const cre2_regex *re, const char *text, size_t len);

/// Matches anchored at both ends and writes `2 * nsub` byte offsets (start, end) into `offsets`,
/// -1 for a group that did not take part. `nsub` counts group 0. Returns 1 on a match.
int cre2_full_match_groups(const cre2_regex *re, const char *text, size_t len,
                           int64_t *offsets, int nsub);

/// Finds the leftmost match at or after byte `start` and writes `2 * nsub` byte offsets as above
/// (`nsub` >= 1). Returns 1 on a match.
int cre2_find_groups(const cre2_regex *re, const char *text, size_t len, size_t start,
                     int64_t *offsets, int nsub);

#ifdef __cplusplus
}
#endif

#endif

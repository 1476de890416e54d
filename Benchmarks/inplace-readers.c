// A reader of a file that htpass rewrites in place, for Benchmarks/inplace-readers.sh.
//
// Usage: inplace-readers FILE BODY MODE NAME EDIT_LOG [CHUNK]
//
// The file is BODY (a fixed content, lines that no edit touches) with one variable line: before it
// (MODE head: the first line, whose user NAME the edits switch between a {SHA} hash, 33 bytes, and an
// apr1 one, 37 bytes, so that every edit shifts the whole file by 4 bytes) or after it (MODE tail: the
// line of user NAME is added at the end, then deleted). A read is "consistent" when it is exactly that:
// BODY plus one well-formed line of NAME ({SHA} or apr1) where it belongs, or BODY alone (tail); it has
// kind 0 ({SHA}; tail: no line) or kind 1 (apr1; tail: the line present). Anything else is "mixed".
//
// Reads FILE whole again and again, as nginx does on every request: open, pread CHUNK bytes at a time
// (default 2048, nginx's buffer) until end of file, close. Prints "ready" after its first read and stops
// on SIGTERM or SIGINT (or after 600 s). Then reads EDIT_LOG, one line per edit written by the script:
//   START END FROM TO        (CLOCK_REALTIME seconds, as bash's $EPOCHREALTIME; kinds before and after)
// and classifies each read by the edits it overlaps: during an edit (the edit's whole process, from fork
// to exit), a read is "old" (the kind before the edit), "new" (the kind after) or "mixed"; a read that
// overlaps no edit is "between" (or "between_mixed", which must not happen). Prints key=value figures:
//   reads during old new mixed between between_mixed
//   edits edits_with_mixed     how many edits, and how many of them had at least one mixed read
//   read_median_us read_max_us edit_median_us edit_max_us
//   first_mixed=...            where the first mixed read left BODY, and its bytes there (escaped)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sample {
    int64_t start, end; // µs, CLOCK_REALTIME
    int kind;           // 0, 1, or -1 (mixed)
};
struct edit {
    int64_t start, end;
    int from, to;
};

static volatile sig_atomic_t stop;
static void on_signal(int signal) { (void)signal, stop = 1; }

static int64_t now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static char *load(const char *path, size_t *size) {
    int fd = open(path, O_RDONLY);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
        fprintf(stderr, "inplace-readers: cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    char *bytes = malloc((size_t)info.st_size + 1);
    size_t done = 0;
    while (done < (size_t)info.st_size) {
        ssize_t n = pread(fd, bytes + done, (size_t)info.st_size - done, (off_t)done);
        if (n <= 0) exit(2);
        done += (size_t)n;
    }
    close(fd);
    *size = done;
    return bytes;
}

// Reads `path` whole, `chunk` bytes a pread; returns the size read (capacity: too big), or -1.
static ssize_t read_whole(const char *path, char *buffer, size_t capacity, size_t chunk) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    size_t done = 0;
    for (;;) {
        size_t want = capacity - done < chunk ? capacity - done : chunk;
        if (want == 0) break;
        ssize_t n = pread(fd, buffer + done, want, (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0) break;
        done += (size_t)n;
    }
    close(fd);
    return (ssize_t)done;
}

static int in_set(char c, const char *set) { return c != 0 && strchr(set, c) != NULL; }

// The kind of LINE (with its newline) for user NAME: 0 {SHA}, 1 apr1, -1 neither.
static int line_kind(const char *line, size_t size, const char *name) {
    static const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char *crypt64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    size_t n = strlen(name);
    if (size < n + 2 || memcmp(line, name, n) != 0 || line[n] != ':' || line[size - 1] != '\n') return -1;
    const char *hash = line + n + 1;
    size_t length = size - n - 2;
    if (length == 33 && memcmp(hash, "{SHA}", 5) == 0 && hash[32] == '=') {
        for (size_t i = 5; i < 32; i++)
            if (!in_set(hash[i], b64)) return -1;
        return 0;
    }
    if (length == 37 && memcmp(hash, "$apr1$", 6) == 0 && hash[14] == '$') {
        for (size_t i = 6; i < 37; i++)
            if (i != 14 && !in_set(hash[i], crypt64)) return -1;
        return 1;
    }
    return -1;
}

// The kind of a read, or -1 (mixed); *diverge: where it first left BODY's expected place.
static int classify(const char *read, size_t n, const char *body, size_t body_size, int head, const char *name,
                    size_t *diverge) {
    *diverge = 0;
    if (head) {
        const char *newline = memchr(read, '\n', n < 512 ? n : 512);
        if (!newline) return -1;
        size_t first = (size_t)(newline - read) + 1;
        int kind = line_kind(read, first, name);
        size_t common = 0, limit = n - first < body_size ? n - first : body_size;
        while (common < limit && read[first + common] == body[common]) common++;
        *diverge = first + common;
        if (kind < 0) *diverge = 0;
        return kind >= 0 && n - first == body_size && common == body_size ? kind : -1;
    }
    size_t common = 0, limit = n < body_size ? n : body_size;
    while (common < limit && read[common] == body[common]) common++;
    *diverge = common;
    if (common != body_size) return -1;
    if (n == body_size) return 0;
    return line_kind(read + body_size, n - body_size, name) >= 0 ? 1 : -1;
}

static int compare_int64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t median(int64_t *values, size_t count) {
    if (count == 0) return 0;
    qsort(values, count, sizeof *values, compare_int64);
    return values[count / 2];
}

int main(int argc, char **argv) {
    if (argc < 6 || (strcmp(argv[3], "head") != 0 && strcmp(argv[3], "tail") != 0)) {
        fprintf(stderr, "usage: inplace-readers FILE BODY head|tail NAME EDIT_LOG [CHUNK]\n");
        return 2;
    }
    const char *path = argv[1], *name = argv[4], *log = argv[5];
    int head = strcmp(argv[3], "head") == 0;
    size_t chunk = argc > 6 ? (size_t)strtoul(argv[6], NULL, 10) : 2048;
    size_t body_size;
    char *body = load(argv[2], &body_size);
    size_t capacity = body_size + 4096;
    char *buffer = malloc(capacity);
    size_t count = 0, allocated = 1 << 16;
    struct sample *samples = malloc(allocated * sizeof *samples);
    char first_mixed[400] = "none";

    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    int64_t deadline = now_us() + 600 * 1000000LL;
    while (!stop && now_us() < deadline && count < 20000000) {
        int64_t start = now_us();
        ssize_t n = read_whole(path, buffer, capacity, chunk);
        int64_t end = now_us();
        size_t diverge = 0;
        int kind = n < 0 ? -1 : classify(buffer, (size_t)n, body, body_size, head, name, &diverge);
        if (kind < 0 && strcmp(first_mixed, "none") == 0 && n >= 0) {
            // The bytes where the read left BODY, from the start of that line, escaped.
            size_t from = diverge;
            while (from > 0 && buffer[from - 1] != '\n' && diverge - from < 60) from--;
            int used = snprintf(first_mixed, sizeof first_mixed, "size %zd, left the expected content at byte %zu: \"",
                                n, diverge);
            for (size_t i = from; i < (size_t)n && i < from + 100 && used < (int)sizeof first_mixed - 8; i++) {
                unsigned char c = (unsigned char)buffer[i];
                used += c == '\n' ? snprintf(first_mixed + used, sizeof first_mixed - used, "\\n")
                        : c < 32 || c > 126 ? snprintf(first_mixed + used, sizeof first_mixed - used, "\\x%02x", c)
                                            : snprintf(first_mixed + used, sizeof first_mixed - used, "%c", c);
            }
            snprintf(first_mixed + used, sizeof first_mixed - used, "\"");
        }
        if (count == allocated) samples = realloc(samples, (allocated *= 2) * sizeof *samples);
        samples[count++] = (struct sample){start, end, kind};
        if (count == 1) printf("ready\n"), fflush(stdout);
    }

    // The edits, in order (the script runs them one after another).
    FILE *in = fopen(log, "r");
    if (!in) return fprintf(stderr, "inplace-readers: no edit log %s\n", log), 2;
    size_t edit_count = 0, edit_allocated = 1024;
    struct edit *edits = malloc(edit_allocated * sizeof *edits);
    double s, e;
    int from, to;
    while (fscanf(in, "%lf %lf %d %d", &s, &e, &from, &to) == 4) {
        if (edit_count == edit_allocated) edits = realloc(edits, (edit_allocated *= 2) * sizeof *edits);
        edits[edit_count++] = (struct edit){(int64_t)(s * 1e6), (int64_t)(e * 1e6), from, to};
    }
    fclose(in);

    size_t during = 0, old = 0, new = 0, mixed = 0, between = 0, between_mixed = 0;
    char *edit_mixed = calloc(edit_count + 1, 1);
    int64_t *durations = malloc((count + 1) * sizeof *durations);
    size_t e_index = 0; // the first edit that ends at or after the current read's start
    for (size_t i = 0; i < count; i++) {
        struct sample r = samples[i];
        durations[i] = r.end - r.start;
        while (e_index < edit_count && edits[e_index].end < r.start) e_index++;
        size_t last = e_index;
        while (last < edit_count && edits[last].start <= r.end) last++;
        if (last == e_index) { // overlaps no edit
            if (r.kind < 0) between_mixed++;
            else between++;
            continue;
        }
        during++;
        if (r.kind < 0) {
            mixed++;
            edit_mixed[e_index] = 1;
        } else if (r.kind == edits[e_index].from && last - e_index == 1) {
            old++;
        } else if (r.kind == edits[last - 1].to) {
            new++;
        } else {
            old++; // spans several edits and saw a state before the last
        }
    }
    size_t with_mixed = 0;
    int64_t *edit_durations = malloc((edit_count + 1) * sizeof *edit_durations);
    int64_t edit_max = 0, read_max = 0;
    for (size_t i = 0; i < edit_count; i++) {
        with_mixed += edit_mixed[i];
        edit_durations[i] = edits[i].end - edits[i].start;
        if (edit_durations[i] > edit_max) edit_max = edit_durations[i];
    }
    for (size_t i = 0; i < count; i++)
        if (durations[i] > read_max) read_max = durations[i];
    printf("reads=%zu during=%zu old=%zu new=%zu mixed=%zu between=%zu between_mixed=%zu edits=%zu "
           "edits_with_mixed=%zu read_median_us=%lld read_max_us=%lld edit_median_us=%lld edit_max_us=%lld\n",
           count, during, old, new, mixed, between, between_mixed, edit_count, with_mixed,
           (long long)median(durations, count), (long long)read_max, (long long)median(edit_durations, edit_count),
           (long long)edit_max);
    printf("first_mixed=%s\n", first_mixed);
    return 0;
}

// A reader of a file that another process rewrites in place, for Benchmarks/in-place-window.sh.
//
// Usage: in-place-reader FILE OLD NEW [MIXED_SAMPLE]
//
// Loads OLD and NEW (the file's content before and after the edit), then reads FILE whole, again and
// again, as a web server does on every request: open, pread until end of file, close. Each read is
// classified as the old content, the new content, or neither ("mixed"). Prints "ready" on standard
// output after its first read, and stops on SIGTERM or SIGINT (or after 120 s). Then prints one line
// of key=value figures (times in microseconds, CLOCK_MONOTONIC):
//   reads old new mixed      how many reads saw which content
//   mixed_runs               runs of consecutive mixed reads
//   longest_mixed_us         the longest run: from the start of its first read to the end of its last
//   bound_us                 the end of the first new read minus the start of the last old read before
//                            it: the file was neither old nor new for at most this long
//   read_median_us, read_max_us   the median and the longest time of one whole read
// The content of the first mixed read goes to MIXED_SAMPLE, if given.
//
// Usage: in-place-reader --edges FILE OLD NEW
//
// The window's edges, sampled every few microseconds instead of once per whole read: reads the bytes
// at the first offset where OLD and NEW differ (they change when the writer's copy begins) and the
// file's size (it changes when the writer truncates, at the end), and prints
//   window_us                the first time the size was new minus the last time the first changed
//                            bytes were old: the window, at most (the file was old before, new after)
//   window_min_us            the last time the size was old minus the first time the first changed
//                            bytes were new: the window, at least (both seen within it)
//   samples max_gap_us       how many samples, and the longest time between two (the reader was not
//                            running: the two bounds differ by the gaps at the edges)
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

enum kind { OLD, NEW, MIXED };
struct sample {
    int64_t start, end;
    enum kind kind;
};

static volatile sig_atomic_t stop;
static void on_signal(int signal) { (void)signal, stop = 1; }

static int64_t now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static char *load(const char *path, size_t *size) {
    int fd = open(path, O_RDONLY);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
        fprintf(stderr, "in-place-reader: cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    char *bytes = malloc((size_t)info.st_size + 1);
    size_t done = 0;
    while (done < (size_t)info.st_size) {
        ssize_t n = pread(fd, bytes + done, (size_t)info.st_size - done, (off_t)done);
        if (n <= 0) {
            fprintf(stderr, "in-place-reader: cannot read %s\n", path);
            exit(2);
        }
        done += (size_t)n;
    }
    close(fd);
    *size = done;
    return bytes;
}

// Reads `path` whole into `buffer` (of `capacity` bytes); returns the size read, or -1.
static ssize_t read_whole(const char *path, char *buffer, size_t capacity) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    size_t done = 0;
    for (;;) {
        ssize_t n = pread(fd, buffer + done, capacity - done, (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0 || done + (size_t)n == capacity) {
            done += (size_t)n;
            break;
        }
        done += (size_t)n;
    }
    close(fd);
    return (ssize_t)done;
}

static int compare_int64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

// --edges: see the header.
static int edges(const char *path, const char *old, size_t old_size, const char *new, size_t new_size) {
    size_t first = 0;
    while (first < old_size && first < new_size && old[first] == new[first]) first++;
    size_t length = 64;
    if (first + length > new_size) length = new_size - first;
    if (first + length > old_size) length = old_size - first;
    if (old_size == new_size || length == 0) {
        fprintf(stderr, "in-place-reader: --edges needs contents of different sizes that differ before the end\n");
        return 2;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) return perror("in-place-reader"), 2;
    char bytes[64];
    int64_t last_head_old = -1, first_size_new = -1, first_head_new = -1, last_size_old = -1;
    int64_t previous = now_us(), max_gap = 0;
    size_t samples = 0;
    int64_t deadline = now_us() + 120 * 1000000LL;
    printf("ready\n"), fflush(stdout);
    while (!stop && now_us() < deadline) {
        struct stat info;
        ssize_t n = pread(fd, bytes, length, (off_t)first);
        int head_old = n == (ssize_t)length && memcmp(bytes, old + first, length) == 0;
        int head_new = n == (ssize_t)length && memcmp(bytes, new + first, length) == 0;
        int stat_ok = fstat(fd, &info) == 0;
        int size_new = stat_ok && (size_t)info.st_size == new_size;
        int size_old = stat_ok && (size_t)info.st_size == old_size;
        int64_t t = now_us();
        if (head_old) last_head_old = t;
        if (head_new && first_head_new < 0) first_head_new = t;
        if (size_old) last_size_old = t;
        if (size_new && first_size_new < 0) first_size_new = t;
        if (t - previous > max_gap) max_gap = t - previous;
        previous = t;
        samples++;
    }
    close(fd);
    printf("window_us=%lld window_min_us=%lld samples=%zu max_gap_us=%lld\n",
           (long long)(last_head_old >= 0 && first_size_new >= 0 ? first_size_new - last_head_old : -1),
           (long long)(first_head_new >= 0 && last_size_old >= first_head_new ? last_size_old - first_head_new : 0),
           samples, (long long)max_gap);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "--edges") == 0) {
        size_t old_size, new_size;
        char *old = load(argv[3], &old_size), *new = load(argv[4], &new_size);
        struct sigaction action = {.sa_handler = on_signal};
        sigaction(SIGTERM, &action, NULL);
        sigaction(SIGINT, &action, NULL);
        return edges(argv[2], old, old_size, new, new_size);
    }
    if (argc < 4) {
        fprintf(stderr, "usage: in-place-reader FILE OLD NEW [MIXED_SAMPLE] | --edges FILE OLD NEW\n");
        return 2;
    }
    size_t old_size, new_size;
    char *old = load(argv[2], &old_size), *new = load(argv[3], &new_size);
    size_t capacity = (old_size > new_size ? old_size : new_size) + (1 << 20);
    char *buffer = malloc(capacity);
    size_t count = 0, allocated = 1 << 16;
    struct sample *samples = malloc(allocated * sizeof *samples);
    int sample_written = 0;

    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    int64_t deadline = now_us() + 120 * 1000000LL;

    while (!stop && now_us() < deadline) {
        int64_t start = now_us();
        ssize_t n = read_whole(argv[1], buffer, capacity);
        int64_t end = now_us();
        enum kind kind = MIXED;
        if (n == (ssize_t)old_size && memcmp(buffer, old, old_size) == 0)
            kind = OLD;
        else if (n == (ssize_t)new_size && memcmp(buffer, new, new_size) == 0)
            kind = NEW;
        if (kind == MIXED && !sample_written && argc > 4 && n >= 0) {
            FILE *out = fopen(argv[4], "w");
            if (out) fwrite(buffer, 1, (size_t)n, out), fclose(out);
            sample_written = 1;
        }
        if (count == allocated) samples = realloc(samples, (allocated *= 2) * sizeof *samples);
        samples[count++] = (struct sample){start, end, kind};
        if (count == 1) printf("ready\n"), fflush(stdout);
    }

    size_t reads[3] = {0}, runs = 0;
    int64_t longest = 0, bound = -1, run_start = 0;
    int64_t last_old_start = -1;
    int64_t *durations = malloc((count ? count : 1) * sizeof *durations);
    for (size_t i = 0; i < count; i++) {
        struct sample s = samples[i];
        reads[s.kind]++;
        durations[i] = s.end - s.start;
        if (s.kind == MIXED) {
            if (i == 0 || samples[i - 1].kind != MIXED) runs++, run_start = s.start;
            if (s.end - run_start > longest) longest = s.end - run_start;
        }
        if (s.kind == OLD) last_old_start = s.start;
        if (s.kind == NEW && bound < 0 && last_old_start >= 0) bound = s.end - last_old_start;
    }
    qsort(durations, count, sizeof *durations, compare_int64);
    printf("reads=%zu old=%zu new=%zu mixed=%zu mixed_runs=%zu longest_mixed_us=%lld bound_us=%lld "
           "read_median_us=%lld read_max_us=%lld\n",
           count, reads[OLD], reads[NEW], reads[MIXED], runs, (long long)longest, (long long)bound,
           (long long)(count ? durations[count / 2] : 0), (long long)(count ? durations[count - 1] : 0));
    return 0;
}

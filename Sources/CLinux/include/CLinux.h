#ifndef HTPASS_CLINUX_H
#define HTPASS_CLINUX_H

// Linux system calls that Swift's Glibc module does not expose, because glibc declares them only
// under _GNU_SOURCE or in headers the module leaves out, or does not wrap at all: statx(2) (for
// STATX_ATTR_MOUNT_ROOT and the mount id), openat2(2), copy_file_range(2), fallocate(2) with
// FALLOC_FL_KEEP_SIZE, and the extended attribute calls on descriptors (<sys/xattr.h>).

#include <stdint.h>
#include <sys/types.h>

/// What htpass needs of statx(2).
typedef struct {
    uint64_t mount_id;        ///< stx_mnt_id as STATX_MNT_ID gives it: the first field of
                              ///< /proc/PID/mountinfo (not STATX_MNT_ID_UNIQUE's); 0 if not reported
    int has_mount_root;       ///< whether the kernel reports STATX_ATTR_MOUNT_ROOT (Linux 5.8+)
    int is_mount_root;        ///< whether the path is the root of a mount (a mount point)
    uint32_t dev_major;       ///< of the filesystem holding the file
    uint32_t dev_minor;
    uint64_t inode;
    uint32_t nlink;
    uint32_t mode;
} htpass_statx_result;

/// statx(2) of `path` relative to `dirfd` (AT_FDCWD for the current directory), not following a final
/// symbolic link when `nofollow` is set. Returns 0, or -1 with errno set.
int htpass_statx(int dirfd, const char *path, int nofollow, htpass_statx_result *result);

/// statx(2) of the open descriptor `fd` itself (AT_EMPTY_PATH; `fd` may be an O_PATH descriptor).
/// Returns 0, or -1 with errno set.
int htpass_fstatx(int fd, htpass_statx_result *result);

/// statx(2) of `path` as a process whose root directory is `rootfd` sees it: resolved with openat2(2)'s
/// RESOLVE_IN_ROOT, so that `..` and absolute symbolic links stay inside that root (a container's, through
/// /proc/PID/root) instead of escaping to the caller's; a final symbolic link is not followed. On kernels
/// without openat2 (before Linux 5.6), a plain statx relative to `rootfd`. Returns 0, or -1 with errno set.
int htpass_statx_in_root(int rootfd, const char *path, htpass_statx_result *result);

/// copy_file_range(2): copies up to `length` bytes from `in` at *in_offset to `out` at its file offset,
/// in the kernel, advancing *in_offset. Returns the bytes copied; 0 at the end of the file, or where the
/// file system copies nothing this way; or -1 with errno set (EXDEV, ENOSYS, EINVAL, EOPNOTSUPP and
/// EPERM mean: copy another way).
ssize_t htpass_copy_file_range(int in, int64_t *in_offset, int out, size_t length);

/// fallocate(2) with FALLOC_FL_KEEP_SIZE: reserves the blocks of `length` bytes from `offset` in `fd`
/// without changing its size. Returns 0, or -1 with errno set (EOPNOTSUPP where the file system cannot).
int htpass_reserve(int fd, int64_t offset, int64_t length);

/// fsetxattr(2), fgetxattr(2), fremovexattr(2) on the open file `fd`: return as the system calls do.
int htpass_fsetxattr(int fd, const char *name, const void *value, size_t size);
ssize_t htpass_fgetxattr(int fd, const char *name, void *value, size_t size);
int htpass_fremovexattr(int fd, const char *name);

/// renameat2(2) with RENAME_NOREPLACE: gives `from` (in `fromdir`) the name `to` (in `todir`) only if
/// nothing has that name. Returns 0, or -1 with errno set (EEXIST: the name is taken; EINVAL or ENOSYS:
/// the file system or kernel cannot, use link(2) and unlink(2)).
int htpass_rename_noreplace(int fromdir, const char *from, int todir, const char *to);

/// Whether the open file `fd` (an O_PATH descriptor will do) is on procfs, whose symbolic links
/// (/proc/PID/root) lead to objects rather than paths: 1, 0, or -1 with errno set.
int htpass_is_procfs(int fd);

#endif

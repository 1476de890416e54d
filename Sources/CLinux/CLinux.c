#define _GNU_SOURCE
#include "CLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

static int htpass_statx_flags(int dirfd, const char *path, int flags, htpass_statx_result *result) {
    struct statx info;
    // STATX_MNT_ID alone, never with STATX_MNT_ID_UNIQUE: asked for both, the kernel answers the unique
    // id, which /proc/PID/mountinfo does not show.
    unsigned int mask = STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_INO;
#ifdef STATX_MNT_ID
    mask |= STATX_MNT_ID;
#endif
    if (statx(dirfd, path, flags, mask, &info) != 0) return -1;
    result->mount_id = 0;
#ifdef STATX_MNT_ID
    if (info.stx_mask & STATX_MNT_ID) result->mount_id = info.stx_mnt_id;
#endif
    result->has_mount_root = 0;
    result->is_mount_root = 0;
#ifdef STATX_ATTR_MOUNT_ROOT
    if (info.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) {
        result->has_mount_root = 1;
        result->is_mount_root = (info.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
    }
#endif
    result->dev_major = info.stx_dev_major;
    result->dev_minor = info.stx_dev_minor;
    result->inode = info.stx_ino;
    result->nlink = info.stx_nlink;
    result->mode = info.stx_mode;
    return 0;
}

int htpass_statx(int dirfd, const char *path, int nofollow, htpass_statx_result *result) {
    return htpass_statx_flags(dirfd, path, nofollow ? AT_SYMLINK_NOFOLLOW : 0, result);
}

int htpass_fstatx(int fd, htpass_statx_result *result) {
    return htpass_statx_flags(fd, "", AT_EMPTY_PATH, result);
}

int htpass_statx_in_root(int rootfd, const char *path, htpass_statx_result *result) {
    while (*path == '/') path++;
    if (*path == 0) return htpass_fstatx(rootfd, result);
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    // EAGAIN: a rename raced with the resolution of `..` (RESOLVE_IN_ROOT); openat2(2) says to retry.
    int fd, attempts = 0;
    do {
        fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    } while (fd < 0 && (errno == EINTR || errno == EAGAIN) && ++attempts < 16);
    if (fd < 0) {
        if (errno != ENOSYS) return -1;
        return htpass_statx_flags(rootfd, path, AT_SYMLINK_NOFOLLOW, result);
    }
    int status = htpass_fstatx(fd, result);
    int saved = errno;
    close(fd);
    errno = saved;
    return status;
}

ssize_t htpass_copy_file_range(int in, int64_t *in_offset, int out, size_t length) {
    loff_t offset = *in_offset;
    ssize_t copied = copy_file_range(in, &offset, out, NULL, length, 0);
    if (copied > 0) *in_offset = offset;
    return copied;
}

int htpass_reserve(int fd, int64_t offset, int64_t length) {
    return fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length);
}

int htpass_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0);
}

ssize_t htpass_fgetxattr(int fd, const char *name, void *value, size_t size) {
    return fgetxattr(fd, name, value, size);
}

int htpass_fremovexattr(int fd, const char *name) {
    return fremovexattr(fd, name);
}

int htpass_is_procfs(int fd) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return -1;
    return info.f_type == 0x9fa0;  // PROC_SUPER_MAGIC
}

int htpass_rename_noreplace(int fromdir, const char *from, int todir, const char *to) {
    return (int)syscall(SYS_renameat2, fromdir, from, todir, to, 1 /* RENAME_NOREPLACE */);
}

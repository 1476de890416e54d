#define _GNU_SOURCE
#include "CLinux.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

int htpass_statx(int dirfd, const char *path, int nofollow, htpass_statx_result *result) {
    struct statx info;
    unsigned int mask = STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_INO;
#ifdef STATX_MNT_ID
    mask |= STATX_MNT_ID;
#endif
    if (statx(dirfd, path, nofollow ? AT_SYMLINK_NOFOLLOW : 0, mask, &info) != 0) return -1;
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

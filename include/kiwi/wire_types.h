/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * kiwi wire library: the only file that differs between kernel and
 * userspace builds.
 *
 * Every other file under drivers/kiwi/wire and include/kiwi includes this
 * header and nothing else from the system.  In the kernel it pulls in the
 * handful of kernel headers the wire code needs; in userspace (unit tests,
 * fuzzers) it maps the same names onto the C library.
 *
 * Byte order is handled only through the kiwi_get_be*()/kiwi_put_be*()
 * helpers below, which read and write single bytes.  Compilers turn them
 * into one load plus a byte swap, they work at any alignment, and they
 * never depend on bitfield layout.
 */
#ifndef KIWI_WIRE_TYPES_H
#define KIWI_WIRE_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/crc32c.h>
#else
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif

#ifdef __cplusplus
#define KIWI_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define KIWI_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

#define KIWI_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline u16 kiwi_get_be16(const u8 *p)
{
	return (u16)((u16)p[0] << 8 | p[1]);
}

static inline u32 kiwi_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 kiwi_get_be64(const u8 *p)
{
	return (u64)kiwi_get_be32(p) << 32 | kiwi_get_be32(p + 4);
}

static inline u32 kiwi_get_le32(const u8 *p)
{
	return (u32)p[3] << 24 | (u32)p[2] << 16 | (u32)p[1] << 8 | p[0];
}

static inline void kiwi_put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static inline void kiwi_put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static inline void kiwi_put_be64(u8 *p, u64 v)
{
	kiwi_put_be32(p, (u32)(v >> 32));
	kiwi_put_be32(p + 4, (u32)v);
}

static inline void kiwi_put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

#endif /* KIWI_WIRE_TYPES_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * CRC32c (Castagnoli, reflected polynomial 0x82f63b78) as used by the MPA
 * FPDU trailer (RFC 5044 section 6, which takes the iSCSI CRC of RFC 3385
 * and RFC 3720).
 *
 * The API works on the raw register: kiwi_crc32c_update() neither inverts
 * on entry nor on exit, exactly like the kernel's crc32c().  The standard
 * CRC32c of a buffer is therefore
 *
 *	kiwi_crc32c_final(kiwi_crc32c_update(KIWI_CRC32C_SEED, buf, len))
 *
 * which is what kiwi_crc32c() returns ("123456789" gives 0xe3069283).
 *
 * On the wire the 32-bit result is stored least significant byte first
 * (kiwi_crc32c_put()).  That is the byte order of the RFC 3720 B.4
 * examples, of the kernel crypto API's crc32c digest that siw sends, and
 * of what Wireshark's MPA dissector accepts as a good CRC.
 */
#ifndef KIWI_CRC32C_H
#define KIWI_CRC32C_H

#include <kiwi/wire_types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KIWI_CRC32C_POLY	0x82f63b78u
#define KIWI_CRC32C_SEED	0xffffffffu
#define KIWI_CRC32C_LEN		4

u32 kiwi_crc32c_update(u32 crc, const void *buf, size_t len);
u32 kiwi_crc32c(const void *buf, size_t len);
u32 kiwi_crc32c_shift(u32 crc, size_t len);
u32 kiwi_crc32c_combine(u32 crc1, u32 crc2, size_t len2);

/**
 * kiwi_crc32c_final() - turn a running register into the CRC value
 * @crc: register that started at %KIWI_CRC32C_SEED
 *
 * Return: the CRC32c value (bitwise complement of @crc).
 */
static inline u32 kiwi_crc32c_final(u32 crc)
{
	return ~crc;
}

/**
 * kiwi_crc32c_put() - store a CRC value in MPA wire order
 * @p: four bytes of trailer
 * @crc: final CRC value, as returned by kiwi_crc32c_final()
 */
static inline void kiwi_crc32c_put(u8 *p, u32 crc)
{
	kiwi_put_le32(p, crc);
}

/**
 * kiwi_crc32c_get() - load a CRC value stored in MPA wire order
 * @p: four bytes of trailer
 *
 * Return: the CRC value, comparable with kiwi_crc32c_final().
 */
static inline u32 kiwi_crc32c_get(const u8 *p)
{
	return kiwi_get_le32(p);
}

#ifdef __cplusplus
}
#endif

#endif /* KIWI_CRC32C_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: every device limit and identity constant, in one place.
 *
 * The limits are what query_device reports and what the verbs enforce.
 * They are sized from what the objects cost: a QP's rings are
 * vmalloc_user memory of 128 bytes per send and receive queue entry, so a
 * QP at the maximum depth costs 2 x KIWI_MAX_QP_WR x 128 = 1 MiB plus
 * about 2 KiB of kernel state; a CQ costs 32 (user) or 40 (kernel) bytes
 * per entry.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_PARAM_H
#define KIWI_PARAM_H

#include <linux/sizes.h>
#include <uapi/rdma/kiwi-abi.h>

/* Not an IEEE OUI: ASCII "kiw", the same trick siw uses for "bmt". */
#define KIWI_VENDOR_ID		0x6b6977
#define KIWI_VENDOR_PART_ID	1
#define KIWI_HW_VERSION		1

/* Node description; the provider does not rely on it (see sysfs abi). */
#define KIWI_NODE_DESC		"kiwi software iWARP RNIC"

/* One port per device: one kiwi device is bound to one netdev. */
#define KIWI_PORT		1

/* Objects per device. */
#define KIWI_MAX_QP		16384
#define KIWI_MAX_CQ		16384
#define KIWI_MAX_SRQ		4096
#define KIWI_MAX_PD		65536
#define KIWI_MAX_MR		65536
#define KIWI_MAX_UCTX		4096

/* Queue depths.  Rings are rounded up to a power of two. */
#define KIWI_MAX_QP_WR		4096
#define KIWI_MAX_SRQ_WR		4096
#define KIWI_MAX_CQE		65536
#define KIWI_MIN_RING		4

/* Scatter/gather. */
#define KIWI_MAX_SGE_RD		1	/* a Read sink is one tagged region */

/* RDMA Read queues per QP (RFC 6581 allows 14 bits). */
#define KIWI_MAX_ORD		128
#define KIWI_MAX_IRD		128

/* Fast registration. */
#define KIWI_MAX_FRMR_PAGES	1024

/* STag = 24-bit index << 8 | 8-bit consumer key. */
#define KIWI_STAG_KEY_BITS	8
#define KIWI_STAG_MAX_INDEX	(BIT(32 - KIWI_STAG_KEY_BITS) - 1)

/* Largest message (2^31: the byte_len of a completion is 32 bits). */
#define KIWI_MAX_MSG_SIZE	0x80000000u

/* MPA. */
#define KIWI_MPA_TIMEOUT_MS	20000	/* for each MPA exchange step */
#define KIWI_ACCEPT_TIMEOUT_MS	60000	/* CONNECT_REQUEST to accept */

/* Transmit batching: bytes and pieces per sendmsg() call. */
#define KIWI_TX_BATCH_BYTES	SZ_64K
#define KIWI_TX_BATCH_VECS	160

/*
 * ULPDU_Length of the FPDUs sent to a kiwi peer that agreed to FPDUs
 * beyond the MSS (mpa_big): the largest the 16-bit field holds, less the
 * pad that keeps the FPDU a multiple of four.
 */
#define KIWI_TX_BIG_ULPDU	(U16_MAX & ~3U)

#endif /* KIWI_PARAM_H */

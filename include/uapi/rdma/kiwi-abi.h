/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * kiwi: the contract between the kiwi kernel driver and its rdma-core
 * provider (libkiwi).  Nothing else crosses the user/kernel boundary.
 *
 * Copyright (c) 2026 The kiwi authors
 *
 * Rings
 * =====
 *
 * Every send queue (SQ), receive queue (RQ), shared receive queue (SRQ)
 * and completion queue (CQ) of a user process is a ring in kernel memory
 * (vmalloc_user) that the process maps with mmap(2) on its uverbs file,
 * at the offset the create command returned.  A ring is a struct
 * kiwi_ring_hdr followed, at byte offset KIWI_RING_HDR_SIZE, by a power of
 * two number of fixed-size entries:
 *
 *	SQ	struct kiwi_sqe		producer: user	consumer: kernel
 *	RQ/SRQ	struct kiwi_rqe		producer: user	consumer: kernel
 *	CQ	struct kiwi_cqe		producer: kernel consumer: user
 *
 * Indices.  prod and cons are free-running 32-bit counters; entry i lives
 * in slot (i & (num_entries - 1)).  A ring is empty when prod == cons and
 * full when prod - cons == num_entries.  Each index has exactly one
 * writer: the producer writes prod, the consumer writes cons.  They sit on
 * separate cache lines.
 *
 * Ordering.  A producer fills an entry completely and then publishes it
 * with a release store of prod (smp_store_release / atomic_store_explicit
 * with memory_order_release).  A consumer reads prod with an acquire load
 * before it reads any entry up to prod, and hands slots back with a
 * release store of cons after it has finished reading them.  No other
 * barriers are needed on the data path; the doorbell and CQ arming below
 * need one full barrier each, as stated there.
 *
 * Send queue slots.  The kernel advances the SQ's cons when a work request
 * has completed, in posting order (whether or not it was signalled), not
 * when it reads it: a slot is the user's again only once its work request
 * is done, so at most num_entries work requests are outstanding.  An RQ or
 * SRQ slot is handed back as soon as the kernel has copied the entry, at
 * the start of the message it receives into.
 *
 * Hostile memory.  The kernel never trusts a ring.  It reads prod once per
 * batch and every entry once, into kernel memory, and validates the copy
 * (opcode, flags, SGE count, lengths, keys, addresses, and prod - cons
 * against the ring size) before acting on it.  An invalid entry or index
 * completes with an error and moves the QP to the error state; it cannot
 * affect the kernel or any other process.  A CQ cons index that makes no
 * sense is treated as a full CQ.
 *
 * Doorbell.  After publishing SQ entries the provider executes a full
 * barrier and reads hdr->flags.  The kernel's SQ poller thread, when
 * enabled (module parameter sq_poll), picks new entries up by itself; when
 * it has been idle for sq_poll_idle_us, or when another task wants its
 * CPU, it sets KIWI_RING_F_NEED_WAKEUP in every SQ it watches, executes a
 * full barrier, re-checks the rings and sleeps.  The provider makes the
 * doorbell system call only when it sees NEED_WAKEUP, or always when the
 * context reports KIWI_CTX_F_SQ_POLL clear.  The doorbell is a write() of
 * the QP number (a __u32 in host order, exactly four bytes) to the
 * context's doorbell file, which the kernel opens (close-on-exec) when
 * alloc_ucontext asks with KIWI_CTX_REQ_DB_FD and reports as db_fd with
 * KIWI_CTX_F_DB_FD; it returns 4, or fails with EINVAL (wrong size),
 * ENOENT (no QP of this context has that number) or ENXIO (the context is
 * gone).  Without the file, IB_USER_VERBS post_send with zero work
 * requests does the same.  Either processes the SQ in the caller's
 * context and wakes the poller, unless the poller left its CPU to another
 * task: then it sleeps on for sq_poll_idle_us and clears the flag when it
 * resumes.
 * RQs and SRQs need no doorbell: the kernel reads them when data arrives.
 *
 * CQ arming.  ibv_req_notify_cq stores KIWI_CQ_ARM_NEXT or
 * KIWI_CQ_ARM_SOLICITED in hdr->arm (never lowering NEXT to SOLICITED),
 * then executes a full barrier.  The kernel, after publishing a CQE,
 * executes a full barrier and reads arm; if the CQE satisfies it, the
 * kernel clears arm and raises the completion event, which reaches the
 * process's completion channel through uverbs.  The barrier pair ensures a
 * CQE that races with arming is either seen by the caller's next poll or
 * produces an event.  KIWI_RING_F_OVERFLOW in a CQ's flags means the
 * kernel dropped completions because the CQ was full; the CQ error event
 * was raised.
 *
 * QP state.  The kernel keeps the QP's state, as an enum ib_qp_state
 * value (RESET 0, INIT 1, RTR 2, RTS 3, SQD 4, SQE 5, ERR 6), in qp_state
 * of the QP's SQ and RQ headers, so that the provider can refuse a post
 * the QP cannot take without a system call: a send before RTS, a receive
 * in RESET.  The value is advisory; the kernel checks every entry anyway.
 *
 * Errors.  When a QP enters ERR the kernel sets KIWI_RING_F_ERROR in its
 * SQ and RQ headers, executes a full barrier, and only then flushes the
 * rings.  A provider that publishes entries, executes a full barrier and
 * then sees the flag asks for another flush (the SQ doorbell, or
 * post_recv with no work requests); either the flush saw its entries or
 * it sees the flag.  Moving the QP back to RESET clears the flag.  An SRQ
 * never carries it.  A CQ armed for solicited events fires for error
 * completions too.
 *
 * Memory windows, atomics and immediate data are not supported
 * (EOPNOTSUPP); the opcodes are reserved.
 */
#ifndef KIWI_ABI_USER_H
#define KIWI_ABI_USER_H

#include <linux/types.h>

/* The uverbs ABI version the provider must match (also in sysfs). */
#define KIWI_ABI_VERSION	1

#define KIWI_MAX_SEND_SGE	6
#define KIWI_MAX_RECV_SGE	7
/* Inline data occupies the SGE area of a send queue entry. */
#define KIWI_MAX_INLINE		(KIWI_MAX_SEND_SGE * 16)

/*
 * Ring header, KIWI_RING_HDR_SIZE bytes at the start of every mapping.
 * Each field group is on its own 64-byte cache line.
 */
struct kiwi_ring_hdr {
	__u32 prod;		/* producer's index */
	__u32 rsvd0[15];
	__u32 cons;		/* consumer's index */
	__u32 rsvd1[15];
	__u32 flags;		/* KIWI_RING_F_*, written by the kernel */
	__u32 arm;		/* CQ only: KIWI_CQ_ARM_*, set by the user */
	__u32 qp_state;		/* SQ, RQ: enum ib_qp_state, by the kernel */
	__u32 rsvd2[13];
	__u32 rsvd3[16];
};

#define KIWI_RING_HDR_SIZE	256

enum kiwi_ring_flags {
	KIWI_RING_F_NEED_WAKEUP	= 1 << 0,	/* SQ: poller asleep */
	KIWI_RING_F_ERROR	= 1 << 1,	/* QP/SRQ/CQ in error */
	KIWI_RING_F_OVERFLOW	= 1 << 2,	/* CQ: completions lost */
};

enum kiwi_cq_arm {
	KIWI_CQ_ARM_NONE	= 0,
	KIWI_CQ_ARM_SOLICITED	= 1,
	KIWI_CQ_ARM_NEXT	= 2,
};

/* Same layout as struct ibv_sge, so that the provider can copy arrays. */
struct kiwi_sge {
	__aligned_u64 addr;
	__u32 length;
	__u32 lkey;
};

/* Send queue opcodes (struct kiwi_sqe.opcode). */
enum kiwi_wr_opcode {
	KIWI_WR_SEND		= 0,
	KIWI_WR_SEND_INV	= 1,	/* Send with Invalidate */
	KIWI_WR_WRITE		= 2,
	KIWI_WR_READ		= 3,
	KIWI_WR_SEND_IMM	= 4,	/* reserved: RFC 7306 */
	KIWI_WR_WRITE_IMM	= 5,	/* reserved: RFC 7306 */
	KIWI_WR_ATOMIC_CS	= 6,	/* reserved: RFC 7306 */
	KIWI_WR_ATOMIC_FA	= 7,	/* reserved: RFC 7306 */
	KIWI_WR_LOCAL_INV	= 8,	/* kernel consumers only */
	KIWI_WR_REG_MR		= 9,	/* kernel consumers only */
	KIWI_WR_READ_INV	= 10,	/* kernel consumers only */
	KIWI_NUM_WR_OPCODES
};

/* struct kiwi_sqe.flags */
enum kiwi_sqe_flags {
	KIWI_SQE_SIGNALED	= 1 << 0,
	KIWI_SQE_SOLICITED	= 1 << 1,
	KIWI_SQE_FENCE		= 1 << 2,	/* wait for prior reads */
	KIWI_SQE_INLINE		= 1 << 3,	/* data in sge[] area */
};

#define KIWI_SQE_FLAGS_ALL	0x0f

/* Send queue entry: 128 bytes. */
struct kiwi_sqe {
	__aligned_u64 wr_id;
	__u8 opcode;		/* enum kiwi_wr_opcode */
	__u8 flags;		/* enum kiwi_sqe_flags */
	__u8 num_sge;		/* SGEs used, or 0 with INLINE */
	__u8 rsvd0;
	__u32 inv_rkey;		/* SEND_INV: STag to invalidate remotely */
	__aligned_u64 remote_addr;	/* WRITE, READ */
	__u32 rkey;		/* WRITE, READ */
	__u32 inline_len;	/* INLINE: bytes in the sge[] area */
	union {
		struct kiwi_sge sge[KIWI_MAX_SEND_SGE];
		__u8 inline_data[KIWI_MAX_INLINE];
	};
};

/* Receive queue entry: 128 bytes. */
struct kiwi_rqe {
	__aligned_u64 wr_id;
	__u8 num_sge;
	__u8 rsvd0[7];
	struct kiwi_sge sge[KIWI_MAX_RECV_SGE];
};

/* Completion opcodes (struct kiwi_cqe.opcode). */
enum kiwi_cqe_opcode {
	KIWI_CQE_SEND		= 0,
	KIWI_CQE_WRITE		= 1,
	KIWI_CQE_READ		= 2,
	KIWI_CQE_LOCAL_INV	= 3,
	KIWI_CQE_REG_MR		= 4,
	KIWI_CQE_RECV		= 5,
};

/* Completion status (struct kiwi_cqe.status): the ibv_wc_status values. */
enum kiwi_cqe_status {
	KIWI_WC_SUCCESS		= 0,
	KIWI_WC_LOC_LEN_ERR	= 1,
	KIWI_WC_LOC_QP_OP_ERR	= 2,
	KIWI_WC_LOC_PROT_ERR	= 4,
	KIWI_WC_WR_FLUSH_ERR	= 5,
	KIWI_WC_BAD_RESP_ERR	= 7,
	KIWI_WC_LOC_ACCESS_ERR	= 8,
	KIWI_WC_REM_INV_REQ_ERR	= 9,
	KIWI_WC_REM_ACCESS_ERR	= 10,
	KIWI_WC_REM_OP_ERR	= 11,
	KIWI_WC_FATAL_ERR	= 19,
	KIWI_WC_GENERAL_ERR	= 21,
};

/* struct kiwi_cqe.flags */
enum kiwi_cqe_flags {
	KIWI_CQE_F_SOLICITED	= 1 << 0,	/* received with SE */
	KIWI_CQE_F_WITH_INV	= 1 << 1,	/* inv_rkey is valid */
};

/* Completion queue entry: 32 bytes. */
struct kiwi_cqe {
	__aligned_u64 wr_id;
	__u32 qp_num;
	__u32 byte_len;
	__u32 inv_rkey;		/* with KIWI_CQE_F_WITH_INV */
	__u8 opcode;		/* enum kiwi_cqe_opcode */
	__u8 status;		/* enum kiwi_cqe_status */
	__u8 flags;		/* enum kiwi_cqe_flags */
	__u8 rsvd0;
	__u32 vendor_err;	/* TERMINATE layer/type/code, or 0 */
	__u32 rsvd1;
};

/* alloc_ucontext request (optional: a shorter one is all zeroes) */
enum kiwi_ctx_req_flags {
	KIWI_CTX_REQ_DB_FD	= 1 << 0,	/* open a doorbell file */
};

struct kiwi_alloc_ctx_req {
	__u32 flags;		/* enum kiwi_ctx_req_flags */
	__u32 rsvd0;		/* zero */
};

/* alloc_ucontext response */
enum kiwi_ctx_flags {
	KIWI_CTX_F_SQ_POLL	= 1 << 0,	/* an SQ poller is running */
	KIWI_CTX_F_DB_FD	= 1 << 1,	/* db_fd is the doorbell file */
};

struct kiwi_alloc_ctx_resp {
	__u32 abi_version;	/* KIWI_ABI_VERSION */
	__u32 flags;		/* enum kiwi_ctx_flags */
	__u32 sqe_size;		/* sizeof(struct kiwi_sqe) */
	__u32 rqe_size;		/* sizeof(struct kiwi_rqe) */
	__u32 cqe_size;		/* sizeof(struct kiwi_cqe) */
	__u32 ring_hdr_size;	/* KIWI_RING_HDR_SIZE */
	/* Only with KIWI_CTX_REQ_DB_FD, and when the response has room. */
	__s32 db_fd;		/* with KIWI_CTX_F_DB_FD */
	__u32 rsvd0;
};

/* create_cq response */
struct kiwi_create_cq_resp {
	__aligned_u64 mmap_offset;	/* of the CQ ring */
	__u32 mmap_size;		/* bytes to map */
	__u32 num_entries;		/* ring slots, a power of two */
	__u32 cq_id;
	__u32 rsvd0;
};

/* create_qp response */
struct kiwi_create_qp_resp {
	__aligned_u64 sq_mmap_offset;
	__aligned_u64 rq_mmap_offset;	/* 0 when the QP uses an SRQ */
	__u32 sq_mmap_size;
	__u32 rq_mmap_size;
	__u32 sq_entries;		/* a power of two */
	__u32 rq_entries;		/* a power of two, 0 with an SRQ */
	__u32 qp_num;
	__u32 max_inline;
};

/* create_srq response */
struct kiwi_create_srq_resp {
	__aligned_u64 mmap_offset;
	__u32 mmap_size;
	__u32 num_entries;		/* a power of two */
	__u32 srq_id;
	__u32 rsvd0;
};

#endif /* KIWI_ABI_USER_H */

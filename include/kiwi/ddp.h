/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * DDP (RFC 5041) and RDMAP (RFC 5040, RFC 7306) segment headers, the
 * per-opcode table, and the incremental FPDU header parser the receive
 * path drives over the TCP byte stream.
 *
 * Every FPDU starts with the MPA ULPDU_Length and the DDP/RDMAP control
 * bytes; the rest of the header depends on the buffer model:
 *
 *	 0                   1                   2                   3
 *	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *	+-------------------------------+-+-+-------+---+---+---+-------+
 *	|         ULPDU_Length          |T|L| Rsvd  |DV |RV |Rsv|OpCode |
 *	+-------------------------------+-+-+-------+---+---+---+-------+
 *	tagged (T=1):   Data Sink STag (32) | Tagged Offset (64)
 *	untagged (T=0): RsvdULP / Invalidate STag (32) | QN (32) | MSN (32) |
 *	                MO (32) | RDMAP header of the opcode, if any
 *
 * Header lengths in this file always include the two ULPDU_Length
 * bytes, so "header" means everything in front of the payload.
 */
#ifndef KIWI_DDP_H
#define KIWI_DDP_H

#include <kiwi/wire_types.h>
#include <kiwi/terminate.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KIWI_DDP_VERSION	1
#define KIWI_RDMAP_VERSION	1

/* DDP control byte (byte 2 of the FPDU) */
#define KIWI_DDP_T		0x80
#define KIWI_DDP_L		0x40
#define KIWI_DDP_RSVD		0x3c
#define KIWI_DDP_DV		0x03

/* RDMAP control byte (byte 3 of the FPDU) */
#define KIWI_RDMAP_RV		0xc0
#define KIWI_RDMAP_RSVD		0x30
#define KIWI_RDMAP_OPCODE	0x0f

/* header lengths, including the 2-byte ULPDU_Length */
#define KIWI_HDR_CTRL_LEN	4
#define KIWI_HDR_TAGGED_LEN	16
#define KIWI_HDR_UNTAGGED_LEN	20
#define KIWI_RDMAP_READ_REQ_LEN	28
#define KIWI_RDMAP_ATOMIC_REQ_LEN 52
#define KIWI_RDMAP_ATOMIC_RESP_LEN 12
#define KIWI_HDR_MAX_LEN	(KIWI_HDR_UNTAGGED_LEN + \
				 KIWI_RDMAP_ATOMIC_REQ_LEN)

/* Untagged queue numbers (RFC 5040 section 5.1, RFC 7306 section 5) */
#define KIWI_QN_SEND		0
#define KIWI_QN_READ_REQ	1
#define KIWI_QN_TERMINATE	2
#define KIWI_QN_ATOMIC_RESP	3

/* RFC 7306 atomic operation codes */
#define KIWI_ATOMIC_FETCH_ADD	0x0
#define KIWI_ATOMIC_CMP_SWAP	0x2

/**
 * enum kiwi_rdmap_op - RDMAP opcodes (RFC 5040 section 4.2, RFC 7306)
 * @KIWI_OP_WRITE: RDMA Write
 * @KIWI_OP_READ_REQ: RDMA Read Request
 * @KIWI_OP_READ_RESP: RDMA Read Response
 * @KIWI_OP_SEND: Send
 * @KIWI_OP_SEND_INV: Send with Invalidate
 * @KIWI_OP_SEND_SE: Send with Solicited Event
 * @KIWI_OP_SEND_SE_INV: Send with Solicited Event and Invalidate
 * @KIWI_OP_TERMINATE: Terminate
 * @KIWI_OP_IMM: Immediate Data (RFC 7306)
 * @KIWI_OP_IMM_SE: Immediate Data with Solicited Event (RFC 7306)
 * @KIWI_OP_ATOMIC_REQ: Atomic Request (RFC 7306)
 * @KIWI_OP_ATOMIC_RESP: Atomic Response (RFC 7306)
 * @KIWI_OP_COUNT: number of defined opcodes; 0xc-0xf are undefined
 */
enum kiwi_rdmap_op {
	KIWI_OP_WRITE = 0x0,
	KIWI_OP_READ_REQ = 0x1,
	KIWI_OP_READ_RESP = 0x2,
	KIWI_OP_SEND = 0x3,
	KIWI_OP_SEND_INV = 0x4,
	KIWI_OP_SEND_SE = 0x5,
	KIWI_OP_SEND_SE_INV = 0x6,
	KIWI_OP_TERMINATE = 0x7,
	KIWI_OP_IMM = 0x8,
	KIWI_OP_IMM_SE = 0x9,
	KIWI_OP_ATOMIC_REQ = 0xa,
	KIWI_OP_ATOMIC_RESP = 0xb,
	KIWI_OP_COUNT
};

/* opcode sets for struct kiwi_fpdu_limits::opcodes */
#define KIWI_OPS_RFC5040	0x00ffu
#define KIWI_OPS_RFC7306	0x0f00u
#define KIWI_OPS_ALL		(KIWI_OPS_RFC5040 | KIWI_OPS_RFC7306)

/* struct kiwi_opcode_info::flags */
#define KIWI_OPF_TAGGED		0x01	/* tagged buffer model */
#define KIWI_OPF_SINGLE		0x02	/* one segment: L must be 1, MO 0 */
#define KIWI_OPF_INVAL		0x04	/* RsvdULP carries Invalidate STag */
#define KIWI_OPF_SE		0x08	/* solicited event */

/**
 * struct kiwi_opcode_info - what an RDMAP opcode looks like on the wire
 * @name: printable name
 * @hdr_len: bytes in front of the payload, ULPDU_Length included
 * @qn: untagged queue number (untagged opcodes only)
 * @flags: KIWI_OPF_*
 * @min_payload: smallest payload after @hdr_len
 * @max_payload: largest payload after @hdr_len
 */
struct kiwi_opcode_info {
	const char *name;
	u8 hdr_len;
	u8 qn;
	u8 flags;
	u16 min_payload;
	u16 max_payload;
};

extern const struct kiwi_opcode_info kiwi_opcode_table[KIWI_OP_COUNT];

/**
 * struct kiwi_read_req - RDMA Read Request header (RFC 5040 4.4)
 * @sink_stag: Data Sink STag
 * @sink_to: Data Sink Tagged Offset
 * @size: RDMA Read Message Size
 * @src_stag: Data Source STag
 * @src_to: Data Source Tagged Offset
 */
struct kiwi_read_req {
	u32 sink_stag;
	u64 sink_to;
	u32 size;
	u32 src_stag;
	u64 src_to;
};

/**
 * struct kiwi_atomic_req - Atomic Request header (RFC 7306)
 * @aop: KIWI_ATOMIC_* operation (low 4 bits of the first word)
 * @req_id: Request Identifier
 * @stag: Remote STag
 * @to: Remote Tagged Offset
 * @add_swap: Add or Swap Data
 * @add_swap_mask: Add or Swap Mask
 * @cmp: Compare Data
 * @cmp_mask: Compare Mask
 */
struct kiwi_atomic_req {
	u8 aop;
	u32 req_id;
	u32 stag;
	u64 to;
	u64 add_swap;
	u64 add_swap_mask;
	u64 cmp;
	u64 cmp_mask;
};

/**
 * struct kiwi_atomic_resp - Atomic Response header (RFC 7306)
 * @req_id: Original Request Identifier
 * @orig: Original Remote Data Value
 */
struct kiwi_atomic_resp {
	u32 req_id;
	u64 orig;
};

/**
 * struct kiwi_fpdu_hdr - FPDU header, decoded or to be built
 * @ulpdu_len: MPA ULPDU_Length (DDP header + RDMAP header + payload)
 * @opcode: RDMAP opcode
 * @tagged: DDP T flag
 * @last: DDP L flag
 * @ddp_ctrl: raw DDP control byte (reserved bits visible)
 * @rdmap_ctrl: raw RDMAP control byte
 * @hdr_len: bytes in front of the payload, ULPDU_Length included
 * @payload_len: ULPDU payload bytes after the header
 * @stag: tagged: Data Sink STag
 * @to: tagged: Data Sink Tagged Offset
 * @inval_stag: untagged: RsvdULP word, the Invalidate STag for the
 *	Send with Invalidate opcodes
 * @qn: untagged: queue number
 * @msn: untagged: message sequence number
 * @mo: untagged: message offset
 * @u: opcode-specific RDMAP header
 * @u.rreq: Read Request header
 * @u.areq: Atomic Request header
 * @u.aresp: Atomic Response header
 * @need: on -EAGAIN, bytes of FPDU needed before parsing can continue
 * @err: on -EPROTO, what was wrong
 * @term: on -EPROTO, the TERMINATE code for @err
 */
struct kiwi_fpdu_hdr {
	u16 ulpdu_len;
	u8 opcode;
	bool tagged;
	bool last;
	u8 ddp_ctrl;
	u8 rdmap_ctrl;
	u8 hdr_len;
	u16 payload_len;
	u32 stag;
	u64 to;
	u32 inval_stag;
	u32 qn;
	u32 msn;
	u32 mo;
	union {
		struct kiwi_read_req rreq;
		struct kiwi_atomic_req areq;
		struct kiwi_atomic_resp aresp;
	} u;
	u8 need;
	enum kiwi_wire_err err;
	struct kiwi_term_code term;
};

/**
 * struct kiwi_fpdu_limits - receiver limits for kiwi_fpdu_hdr_parse()
 * @max_ulpdu: largest ULPDU_Length accepted (the receive MULPDU)
 * @opcodes: bit n set accepts opcode n, e.g. %KIWI_OPS_RFC5040
 */
struct kiwi_fpdu_limits {
	u16 max_ulpdu;
	u16 opcodes;
};

const struct kiwi_opcode_info *kiwi_opcode_lookup(unsigned int opcode);
unsigned int kiwi_fpdu_hdr_need(const u8 *buf, size_t len);
int kiwi_fpdu_hdr_parse(const u8 *buf, size_t len,
			const struct kiwi_fpdu_limits *lim,
			struct kiwi_fpdu_hdr *hdr);
int kiwi_fpdu_hdr_build(u8 *buf, size_t len, const struct kiwi_fpdu_hdr *hdr);

#ifdef __cplusplus
}
#endif

#endif /* KIWI_DDP_H */

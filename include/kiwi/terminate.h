/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * RDMAP TERMINATE messages (RFC 5040 section 4.8 and 7) and the error
 * vocabulary of the whole wire library.
 *
 * Every check the wire library makes on received bytes fails with one
 * enum kiwi_wire_err value.  kiwi_wire_err_code() turns that value into the
 * (layer, error type, error code) triple a TERMINATE message carries, so
 * the data path reports an error in exactly the words the RFCs use.
 *
 * TERMINATE message layout (after the 18-byte untagged DDP/RDMAP header
 * on queue number 2):
 *
 *	 0                   1                   2                   3
 *	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *	+-------+-------+---------------+-+-+-+-------------------------+
 *	| Layer | EType |  Error Code   |M|D|R|        Reserved         |
 *	+-------+-------+---------------+-+-+-+-------------------------+
 *	|  DDP Segment Length (if D)    |                               |
 *	+-------------------------------+                               +
 *	|      Terminated DDP Header (if D): 14 or 18 bytes             |
 *	+---------------------------------------------------------------+
 *	|      Terminated RDMA Header (if R): 28 bytes                  |
 *	+---------------------------------------------------------------+
 *
 * M: the DDP Segment Length field is valid.  D: the DDP Segment Length
 * and the terminated DDP header are present.  R: the terminated RDMA Read
 * Request header is present.  The copied DDP header's own T flag says
 * whether it is the 14-byte tagged or the 18-byte untagged form.
 */
#ifndef KIWI_TERMINATE_H
#define KIWI_TERMINATE_H

#include <kiwi/wire_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Terminate Control: Layer */
#define KIWI_TERM_LAYER_RDMAP		0x0
#define KIWI_TERM_LAYER_DDP		0x1
#define KIWI_TERM_LAYER_LLP		0x2

/* Error types for layer RDMAP */
#define KIWI_TERM_RDMAP_CATASTROPHIC	0x0
#define KIWI_TERM_RDMAP_PROTECTION	0x1
#define KIWI_TERM_RDMAP_OPERATION	0x2

/* Error codes for layer RDMAP */
#define KIWI_TERM_RDMAP_INVALID_STAG	0x00
#define KIWI_TERM_RDMAP_BASE_BOUNDS	0x01
#define KIWI_TERM_RDMAP_ACCESS		0x02
#define KIWI_TERM_RDMAP_STAG_STREAM	0x03
#define KIWI_TERM_RDMAP_TO_WRAP		0x04
#define KIWI_TERM_RDMAP_VERSION		0x05
#define KIWI_TERM_RDMAP_OPCODE		0x06
#define KIWI_TERM_RDMAP_CATA_STREAM	0x07
#define KIWI_TERM_RDMAP_CATA_GLOBAL	0x08
#define KIWI_TERM_RDMAP_CANNOT_INVAL	0x09
#define KIWI_TERM_RDMAP_UNSPECIFIED	0xff

/* Error types for layer DDP */
#define KIWI_TERM_DDP_CATASTROPHIC	0x0
#define KIWI_TERM_DDP_TAGGED		0x1
#define KIWI_TERM_DDP_UNTAGGED		0x2

/* Error codes for DDP tagged buffers */
#define KIWI_TERM_DDP_T_INVALID_STAG	0x00
#define KIWI_TERM_DDP_T_BASE_BOUNDS	0x01
#define KIWI_TERM_DDP_T_STAG_STREAM	0x02
#define KIWI_TERM_DDP_T_TO_WRAP		0x03
#define KIWI_TERM_DDP_T_VERSION		0x04

/* Error codes for DDP untagged buffers */
#define KIWI_TERM_DDP_U_INVALID_QN	0x01
#define KIWI_TERM_DDP_U_MSN_NOBUF	0x02
#define KIWI_TERM_DDP_U_MSN_RANGE	0x03
#define KIWI_TERM_DDP_U_INVALID_MO	0x04
#define KIWI_TERM_DDP_U_TOO_LONG	0x05
#define KIWI_TERM_DDP_U_VERSION		0x06

/* Error type and codes for layer LLP (MPA, RFC 5044 section 8; RFC 6581) */
#define KIWI_TERM_LLP_MPA		0x0
#define KIWI_TERM_LLP_TCP_LOST		0x01
#define KIWI_TERM_LLP_CRC		0x02
#define KIWI_TERM_LLP_MARKER_LEN	0x03
#define KIWI_TERM_LLP_INVALID_RR	0x04
#define KIWI_TERM_LLP_LOCAL_CATA	0x05
#define KIWI_TERM_LLP_INSUFF_IRD	0x06
#define KIWI_TERM_LLP_NO_RTR		0x07

/* Terminate Header Control bits, in the 32-bit control word */
#define KIWI_TERM_HDRCT_M		0x00008000u
#define KIWI_TERM_HDRCT_D		0x00004000u
#define KIWI_TERM_HDRCT_R		0x00002000u

#define KIWI_TERM_CTRL_LEN		4
#define KIWI_TERM_SEGLEN_LEN		2
#define KIWI_TERM_DDP_T_HDR_LEN		14
#define KIWI_TERM_DDP_U_HDR_LEN		18
#define KIWI_TERM_RDMA_HDR_LEN		28
/* control word + segment length + untagged DDP header + Read Request */
#define KIWI_TERM_MAX_LEN		52

/**
 * enum kiwi_wire_err - why received bytes were rejected
 * @KIWI_WERR_NONE: no error
 * @KIWI_WERR_MPA_TCP_LOST: data path: stream closed
 * @KIWI_WERR_MPA_CRC: trailer CRC mismatch
 * @KIWI_WERR_MPA_MARKER: marker FPDUPTR points elsewhere
 * @KIWI_WERR_MPA_LEN_SHORT: ULPDU_Length below header size
 * @KIWI_WERR_MPA_LEN_LONG: ULPDU_Length above local limit
 * @KIWI_WERR_MPA_RR_KEY: request/reply key wrong
 * @KIWI_WERR_MPA_RR_REV: MPA revision not spoken here
 * @KIWI_WERR_MPA_RR_PDLEN: PD_Length above 512
 * @KIWI_WERR_MPA_RR_FLAGS: R bit in a request, bad RFC 6581 data
 * @KIWI_WERR_MPA_RR_CRC_POLICY: CRC required/forbidden mismatch
 * @KIWI_WERR_MPA_RR_MARKER_POLICY: peer wants markers we refuse
 * @KIWI_WERR_MPA_REJECTED: reply carried the R bit
 * @KIWI_WERR_MPA_LOCAL_CATA: local failure, or an invalid local policy
 * @KIWI_WERR_MPA_INSUFF_IRD: RFC 6581 IRD/ORD cannot be met
 * @KIWI_WERR_MPA_NO_RTR: RFC 6581 no common RTR type
 * @KIWI_WERR_DDP_T_VERSION: DV != 1 on a tagged segment
 * @KIWI_WERR_DDP_T_STAG: data path: invalid STag
 * @KIWI_WERR_DDP_T_BOUNDS: data path: base or bounds violation
 * @KIWI_WERR_DDP_T_STAG_STREAM: data path: STag not associated with this stream
 * @KIWI_WERR_DDP_T_TO_WRAP: data path: tagged offset wraps
 * @KIWI_WERR_DDP_U_VERSION: DV != 1 on an untagged segment
 * @KIWI_WERR_DDP_U_QN: queue number wrong for opcode
 * @KIWI_WERR_DDP_U_MO: MO != 0 on a single-segment msg
 * @KIWI_WERR_DDP_U_MSN_NOBUF: data path: no receive buffer for the MSN
 * @KIWI_WERR_DDP_U_MSN_RANGE: data path: MSN out of range
 * @KIWI_WERR_DDP_U_TOO_LONG: data path: message too long for the receive buffer
 * @KIWI_WERR_RDMAP_VERSION: RV != 1
 * @KIWI_WERR_RDMAP_OPCODE: unknown or disabled opcode
 * @KIWI_WERR_RDMAP_TAGGED: T flag contradicts the opcode
 * @KIWI_WERR_RDMAP_NOT_LAST: L == 0 on a single-segment msg
 * @KIWI_WERR_RDMAP_MSG_LEN: payload size wrong for the opcode
 * @KIWI_WERR_RDMAP_STAG: data path: invalid STag
 * @KIWI_WERR_RDMAP_BOUNDS: data path: base or bounds violation
 * @KIWI_WERR_RDMAP_ACCESS: data path: access rights violation
 * @KIWI_WERR_RDMAP_STAG_STREAM: data path: STag not associated with this stream
 * @KIWI_WERR_RDMAP_TO_WRAP: data path: tagged offset wraps
 * @KIWI_WERR_RDMAP_INVAL_PROT: data path: no invalidate, access
 * @KIWI_WERR_RDMAP_INVAL_OP: data path: no invalidate, other
 * @KIWI_WERR_RDMAP_CATA_STREAM: data path: catastrophic error, this stream
 * @KIWI_WERR_RDMAP_CATA_LOCAL: data path: local catastrophic error
 * @KIWI_WERR_COUNT: number of values, not an error
 *
 * Values with an ``_MPA_`` infix are MPA (LLP) errors, ``_DDP_`` DDP
 * errors and ``_RDMAP_`` RDMAP errors.  The entries marked "data path"
 * are never produced by the wire library itself; they exist so that the
 * kernel's placement code reports its own findings through the same
 * table.
 */
enum kiwi_wire_err {
	KIWI_WERR_NONE = 0,
	KIWI_WERR_MPA_TCP_LOST,
	KIWI_WERR_MPA_CRC,
	KIWI_WERR_MPA_MARKER,
	KIWI_WERR_MPA_LEN_SHORT,
	KIWI_WERR_MPA_LEN_LONG,
	KIWI_WERR_MPA_RR_KEY,
	KIWI_WERR_MPA_RR_REV,
	KIWI_WERR_MPA_RR_PDLEN,
	KIWI_WERR_MPA_RR_FLAGS,
	KIWI_WERR_MPA_RR_CRC_POLICY,
	KIWI_WERR_MPA_RR_MARKER_POLICY,
	KIWI_WERR_MPA_REJECTED,
	KIWI_WERR_MPA_LOCAL_CATA,
	KIWI_WERR_MPA_INSUFF_IRD,
	KIWI_WERR_MPA_NO_RTR,
	KIWI_WERR_DDP_T_VERSION,
	KIWI_WERR_DDP_T_STAG,
	KIWI_WERR_DDP_T_BOUNDS,
	KIWI_WERR_DDP_T_STAG_STREAM,
	KIWI_WERR_DDP_T_TO_WRAP,
	KIWI_WERR_DDP_U_VERSION,
	KIWI_WERR_DDP_U_QN,
	KIWI_WERR_DDP_U_MO,
	KIWI_WERR_DDP_U_MSN_NOBUF,
	KIWI_WERR_DDP_U_MSN_RANGE,
	KIWI_WERR_DDP_U_TOO_LONG,
	KIWI_WERR_RDMAP_VERSION,
	KIWI_WERR_RDMAP_OPCODE,
	KIWI_WERR_RDMAP_TAGGED,
	KIWI_WERR_RDMAP_NOT_LAST,
	KIWI_WERR_RDMAP_MSG_LEN,
	KIWI_WERR_RDMAP_STAG,
	KIWI_WERR_RDMAP_BOUNDS,
	KIWI_WERR_RDMAP_ACCESS,
	KIWI_WERR_RDMAP_STAG_STREAM,
	KIWI_WERR_RDMAP_TO_WRAP,
	KIWI_WERR_RDMAP_INVAL_PROT,
	KIWI_WERR_RDMAP_INVAL_OP,
	KIWI_WERR_RDMAP_CATA_STREAM,
	KIWI_WERR_RDMAP_CATA_LOCAL,
	KIWI_WERR_COUNT
};

/**
 * struct kiwi_term_code - the three numbers that classify an error
 * @layer: KIWI_TERM_LAYER_*
 * @etype: error type, meaning depends on @layer
 * @ecode: error code, meaning depends on @layer and @etype
 */
struct kiwi_term_code {
	u8 layer;
	u8 etype;
	u8 ecode;
};

/**
 * struct kiwi_term - a decoded TERMINATE message
 * @code: layer, error type and error code
 * @hdrct: KIWI_TERM_HDRCT_* bits as received or to send
 * @seg_len: DDP Segment Length; meaningful when %KIWI_TERM_HDRCT_M is set
 * @ddp_hdr_len: 0 when no DDP header is present, else 14 or 18
 * @ddp_hdr: copy of the terminated segment's DDP header (starting with
 *	the DDP control byte, without the MPA length)
 * @rdma_hdr_len: 0 or %KIWI_TERM_RDMA_HDR_LEN
 * @rdma_hdr: copy of the terminated RDMA Read Request header
 */
struct kiwi_term {
	struct kiwi_term_code code;
	u32 hdrct;
	u16 seg_len;
	u8 ddp_hdr_len;
	u8 ddp_hdr[KIWI_TERM_DDP_U_HDR_LEN];
	u8 rdma_hdr_len;
	u8 rdma_hdr[KIWI_TERM_RDMA_HDR_LEN];
};

int kiwi_wire_err_code(enum kiwi_wire_err err, struct kiwi_term_code *code);
const char *kiwi_wire_err_name(enum kiwi_wire_err err);
bool kiwi_term_code_valid(const struct kiwi_term_code *code);
int kiwi_term_set_hdrs(struct kiwi_term *term, const u8 *fpdu, size_t len);
int kiwi_term_build(u8 *buf, size_t len, const struct kiwi_term *term);
int kiwi_term_parse(const u8 *buf, size_t len, struct kiwi_term *term);

#ifdef __cplusplus
}
#endif

#endif /* KIWI_TERMINATE_H */

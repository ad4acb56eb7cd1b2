// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DDP/RDMAP segment headers: the opcode table, the validating header
 * parser and the header builder.
 *
 * The parser is meant to be called by the receive path each time more
 * bytes of an FPDU header have been copied out of the TCP stream.  It
 * decides everything it can from what it has: after the first four bytes
 * (ULPDU_Length plus the two control bytes) it already knows the header
 * length, and it rejects bad versions, unknown opcodes and impossible
 * lengths before asking for more.
 */
#include <kiwi/ddp.h>

KIWI_STATIC_ASSERT(KIWI_HDR_TAGGED_LEN == 2 + 2 + 4 + 8,
		   "ULPDU_Length, control, STag, TO");
KIWI_STATIC_ASSERT(KIWI_HDR_UNTAGGED_LEN == 2 + 2 + 4 + 4 + 4 + 4,
		   "ULPDU_Length, control, RsvdULP, QN, MSN, MO");
KIWI_STATIC_ASSERT(KIWI_RDMAP_READ_REQ_LEN == 4 + 8 + 4 + 4 + 8,
		   "RFC 5040 Read Request header");
KIWI_STATIC_ASSERT(KIWI_RDMAP_ATOMIC_REQ_LEN == 4 + 4 + 4 + 8 + 4 * 8,
		   "RFC 7306 Atomic Request header");
KIWI_STATIC_ASSERT(KIWI_RDMAP_ATOMIC_RESP_LEN == 4 + 8,
		   "RFC 7306 Atomic Response header");
KIWI_STATIC_ASSERT(KIWI_OP_COUNT <= 16, "opcode is a 4-bit field");
KIWI_STATIC_ASSERT(KIWI_OPS_ALL == (1u << KIWI_OP_COUNT) - 1,
		   "opcode masks cover the table");

#define ANY 0xffff

const struct kiwi_opcode_info kiwi_opcode_table[KIWI_OP_COUNT] = {
	[KIWI_OP_WRITE] = {
		.name = "RDMA Write",
		.hdr_len = KIWI_HDR_TAGGED_LEN,
		.flags = KIWI_OPF_TAGGED,
		.max_payload = ANY,
	},
	[KIWI_OP_READ_REQ] = {
		.name = "RDMA Read Request",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN + KIWI_RDMAP_READ_REQ_LEN,
		.qn = KIWI_QN_READ_REQ,
		.flags = KIWI_OPF_SINGLE,
	},
	[KIWI_OP_READ_RESP] = {
		.name = "RDMA Read Response",
		.hdr_len = KIWI_HDR_TAGGED_LEN,
		.flags = KIWI_OPF_TAGGED,
		.max_payload = ANY,
	},
	[KIWI_OP_SEND] = {
		.name = "Send",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN,
		.qn = KIWI_QN_SEND,
		.max_payload = ANY,
	},
	[KIWI_OP_SEND_INV] = {
		.name = "Send with Invalidate",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN,
		.qn = KIWI_QN_SEND,
		.flags = KIWI_OPF_INVAL,
		.max_payload = ANY,
	},
	[KIWI_OP_SEND_SE] = {
		.name = "Send with Solicited Event",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN,
		.qn = KIWI_QN_SEND,
		.flags = KIWI_OPF_SE,
		.max_payload = ANY,
	},
	[KIWI_OP_SEND_SE_INV] = {
		.name = "Send with Solicited Event and Invalidate",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN,
		.qn = KIWI_QN_SEND,
		.flags = KIWI_OPF_SE | KIWI_OPF_INVAL,
		.max_payload = ANY,
	},
	[KIWI_OP_TERMINATE] = {
		.name = "Terminate",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN,
		.qn = KIWI_QN_TERMINATE,
		.flags = KIWI_OPF_SINGLE,
		.min_payload = KIWI_TERM_CTRL_LEN,
		.max_payload = ANY,
	},
	[KIWI_OP_IMM] = {
		.name = "Immediate Data",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN,
		.qn = KIWI_QN_SEND,
		.flags = KIWI_OPF_SINGLE,
		.min_payload = 8,
		.max_payload = 8,
	},
	[KIWI_OP_IMM_SE] = {
		.name = "Immediate Data with Solicited Event",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN,
		.qn = KIWI_QN_SEND,
		.flags = KIWI_OPF_SINGLE | KIWI_OPF_SE,
		.min_payload = 8,
		.max_payload = 8,
	},
	[KIWI_OP_ATOMIC_REQ] = {
		.name = "Atomic Request",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN + KIWI_RDMAP_ATOMIC_REQ_LEN,
		.qn = KIWI_QN_READ_REQ,
		.flags = KIWI_OPF_SINGLE,
	},
	[KIWI_OP_ATOMIC_RESP] = {
		.name = "Atomic Response",
		.hdr_len = KIWI_HDR_UNTAGGED_LEN + KIWI_RDMAP_ATOMIC_RESP_LEN,
		.qn = KIWI_QN_ATOMIC_RESP,
		.flags = KIWI_OPF_SINGLE,
	},
};

#undef ANY

/**
 * kiwi_opcode_lookup() - table entry of an RDMAP opcode
 * @opcode: opcode, possibly straight from the wire
 *
 * Return: the entry, or NULL for opcodes no RFC defines.
 */
const struct kiwi_opcode_info *kiwi_opcode_lookup(unsigned int opcode)
{
	/* the opcode field has 16 values but the table only 12 */
	if (opcode >= KIWI_OP_COUNT)
		return NULL;
	return &kiwi_opcode_table[opcode];
}

/**
 * kiwi_fpdu_hdr_need() - header bytes needed to parse an FPDU header
 * @buf: start of the FPDU (its ULPDU_Length)
 * @len: bytes available at @buf
 *
 * Return: 4 while fewer than 4 bytes are available or the opcode is
 * unknown (the parser will then reject it), else the opcode's header
 * length.
 */
unsigned int kiwi_fpdu_hdr_need(const u8 *buf, size_t len)
{
	const struct kiwi_opcode_info *op;

	if (len < KIWI_HDR_CTRL_LEN)
		return KIWI_HDR_CTRL_LEN;
	op = kiwi_opcode_lookup(buf[3] & KIWI_RDMAP_OPCODE);
	return op ? op->hdr_len : KIWI_HDR_CTRL_LEN;
}

static int hdr_fail(struct kiwi_fpdu_hdr *hdr, enum kiwi_wire_err err)
{
	hdr->err = err;
	kiwi_wire_err_code(err, &hdr->term);
	return -EPROTO;
}

static void parse_rdmap(const u8 *p, struct kiwi_fpdu_hdr *hdr)
{
	switch (hdr->opcode) {
	case KIWI_OP_READ_REQ:
		hdr->u.rreq.sink_stag = kiwi_get_be32(p);
		hdr->u.rreq.sink_to = kiwi_get_be64(p + 4);
		hdr->u.rreq.size = kiwi_get_be32(p + 12);
		hdr->u.rreq.src_stag = kiwi_get_be32(p + 16);
		hdr->u.rreq.src_to = kiwi_get_be64(p + 20);
		break;
	case KIWI_OP_ATOMIC_REQ:
		hdr->u.areq.aop = p[3] & 0x0f;
		hdr->u.areq.req_id = kiwi_get_be32(p + 4);
		hdr->u.areq.stag = kiwi_get_be32(p + 8);
		hdr->u.areq.to = kiwi_get_be64(p + 12);
		hdr->u.areq.add_swap = kiwi_get_be64(p + 20);
		hdr->u.areq.add_swap_mask = kiwi_get_be64(p + 28);
		hdr->u.areq.cmp = kiwi_get_be64(p + 36);
		hdr->u.areq.cmp_mask = kiwi_get_be64(p + 44);
		break;
	case KIWI_OP_ATOMIC_RESP:
		hdr->u.aresp.req_id = kiwi_get_be32(p);
		hdr->u.aresp.orig = kiwi_get_be64(p + 4);
		break;
	}
}

/**
 * kiwi_fpdu_hdr_parse() - parse and validate an FPDU header
 * @buf: start of the FPDU (its ULPDU_Length), markers already removed
 * @len: bytes available at @buf; may be less than the header
 * @lim: receiver limits
 * @hdr: filled in
 *
 * Checks, in this order, each failing with its own &enum kiwi_wire_err:
 * DDP version, RDMAP version, opcode known and enabled in @lim, T flag
 * matching the opcode, ULPDU_Length covering the opcode's header and not
 * above @lim->max_ulpdu, payload size allowed for the opcode; then, once
 * the whole header is there, for untagged segments the queue number and,
 * for single-segment messages (Read Request, Terminate, Immediate Data,
 * atomics), the L flag and a zero message offset.  Reserved bits are
 * ignored as RFC 5040 and 5041 require of receivers.
 *
 * Everything after the first failing check is left unparsed.  STags,
 * MSNs and offsets are the data path's to judge.
 *
 * Return: the header length (bytes of @buf to consume before the
 * payload); -EAGAIN when @len is short, with @hdr->need set to the number
 * of bytes to gather first; -EPROTO when the header is invalid, with
 * @hdr->err and @hdr->term set.
 */
int kiwi_fpdu_hdr_parse(const u8 *buf, size_t len,
			const struct kiwi_fpdu_limits *lim,
			struct kiwi_fpdu_hdr *hdr)
{
	const struct kiwi_opcode_info *op;
	u32 total;

	memset(hdr, 0, sizeof(*hdr));
	if (len < KIWI_HDR_CTRL_LEN) {
		hdr->need = KIWI_HDR_CTRL_LEN;
		return -EAGAIN;
	}

	hdr->ulpdu_len = kiwi_get_be16(buf);
	hdr->ddp_ctrl = buf[2];
	hdr->rdmap_ctrl = buf[3];
	hdr->tagged = buf[2] & KIWI_DDP_T;
	hdr->last = buf[2] & KIWI_DDP_L;
	hdr->opcode = buf[3] & KIWI_RDMAP_OPCODE;

	if ((buf[2] & KIWI_DDP_DV) != KIWI_DDP_VERSION)
		return hdr_fail(hdr, hdr->tagged ? KIWI_WERR_DDP_T_VERSION :
						   KIWI_WERR_DDP_U_VERSION);
	if ((buf[3] & KIWI_RDMAP_RV) >> 6 != KIWI_RDMAP_VERSION)
		return hdr_fail(hdr, KIWI_WERR_RDMAP_VERSION);

	op = kiwi_opcode_lookup(hdr->opcode);
	if (!op || !(lim->opcodes & (1u << hdr->opcode)))
		return hdr_fail(hdr, KIWI_WERR_RDMAP_OPCODE);
	if (hdr->tagged != !!(op->flags & KIWI_OPF_TAGGED))
		return hdr_fail(hdr, KIWI_WERR_RDMAP_TAGGED);
	hdr->hdr_len = op->hdr_len;

	/*
	 * A ULPDU_Length that does not cover the header would make the
	 * payload length negative; one above the limit would make the
	 * receive path wait for, or copy, more than it has room for.
	 */
	total = (u32)hdr->ulpdu_len + 2;
	if (total < op->hdr_len)
		return hdr_fail(hdr, KIWI_WERR_MPA_LEN_SHORT);
	if (hdr->ulpdu_len > lim->max_ulpdu)
		return hdr_fail(hdr, KIWI_WERR_MPA_LEN_LONG);
	hdr->payload_len = (u16)(total - op->hdr_len);
	if (hdr->payload_len < op->min_payload ||
	    hdr->payload_len > op->max_payload)
		return hdr_fail(hdr, KIWI_WERR_RDMAP_MSG_LEN);

	if (len < op->hdr_len) {
		hdr->need = op->hdr_len;
		return -EAGAIN;
	}

	if (hdr->tagged) {
		hdr->stag = kiwi_get_be32(buf + 4);
		hdr->to = kiwi_get_be64(buf + 8);
		return op->hdr_len;
	}

	hdr->inval_stag = kiwi_get_be32(buf + 4);
	hdr->qn = kiwi_get_be32(buf + 8);
	hdr->msn = kiwi_get_be32(buf + 12);
	hdr->mo = kiwi_get_be32(buf + 16);
	if (hdr->qn != op->qn)
		return hdr_fail(hdr, KIWI_WERR_DDP_U_QN);
	if (op->flags & KIWI_OPF_SINGLE) {
		if (!hdr->last)
			return hdr_fail(hdr, KIWI_WERR_RDMAP_NOT_LAST);
		if (hdr->mo)
			return hdr_fail(hdr, KIWI_WERR_DDP_U_MO);
	}
	parse_rdmap(buf + KIWI_HDR_UNTAGGED_LEN, hdr);
	return op->hdr_len;
}

static void build_rdmap(u8 *p, const struct kiwi_fpdu_hdr *hdr)
{
	switch (hdr->opcode) {
	case KIWI_OP_READ_REQ:
		kiwi_put_be32(p, hdr->u.rreq.sink_stag);
		kiwi_put_be64(p + 4, hdr->u.rreq.sink_to);
		kiwi_put_be32(p + 12, hdr->u.rreq.size);
		kiwi_put_be32(p + 16, hdr->u.rreq.src_stag);
		kiwi_put_be64(p + 20, hdr->u.rreq.src_to);
		break;
	case KIWI_OP_ATOMIC_REQ:
		kiwi_put_be32(p, hdr->u.areq.aop & 0x0f);
		kiwi_put_be32(p + 4, hdr->u.areq.req_id);
		kiwi_put_be32(p + 8, hdr->u.areq.stag);
		kiwi_put_be64(p + 12, hdr->u.areq.to);
		kiwi_put_be64(p + 20, hdr->u.areq.add_swap);
		kiwi_put_be64(p + 28, hdr->u.areq.add_swap_mask);
		kiwi_put_be64(p + 36, hdr->u.areq.cmp);
		kiwi_put_be64(p + 44, hdr->u.areq.cmp_mask);
		break;
	case KIWI_OP_ATOMIC_RESP:
		kiwi_put_be32(p, hdr->u.aresp.req_id);
		kiwi_put_be64(p + 4, hdr->u.aresp.orig);
		break;
	}
}

/**
 * kiwi_fpdu_hdr_build() - write an FPDU header
 * @buf: output
 * @len: room at @buf
 * @hdr: header to write; used fields are @opcode, @last, @payload_len,
 *	@stag and @to (tagged), @inval_stag (Send with Invalidate only),
 *	@msn and @mo (untagged) and @u for opcodes with an RDMAP header.
 *	ULPDU_Length, T flag, versions and queue number come from the
 *	opcode table.
 *
 * Return: the header length; -EINVAL for an unknown opcode, a payload
 * length the opcode does not allow, or a single-segment opcode without
 * the L flag or with a non-zero MO; -EMSGSIZE if ULPDU_Length would
 * overflow 16 bits; -ENOSPC if @len is too small.
 */
int kiwi_fpdu_hdr_build(u8 *buf, size_t len, const struct kiwi_fpdu_hdr *hdr)
{
	const struct kiwi_opcode_info *op = kiwi_opcode_lookup(hdr->opcode);
	u32 ulpdu;

	if (!op)
		return -EINVAL;
	if (hdr->payload_len < op->min_payload ||
	    hdr->payload_len > op->max_payload)
		return -EINVAL;
	if ((op->flags & KIWI_OPF_SINGLE) && (!hdr->last || hdr->mo))
		return -EINVAL;
	ulpdu = op->hdr_len - 2u + hdr->payload_len;
	if (ulpdu > 0xffff)
		return -EMSGSIZE;
	if (len < op->hdr_len)
		return -ENOSPC;

	kiwi_put_be16(buf, (u16)ulpdu);
	buf[2] = KIWI_DDP_VERSION;
	if (op->flags & KIWI_OPF_TAGGED)
		buf[2] |= KIWI_DDP_T;
	if (hdr->last)
		buf[2] |= KIWI_DDP_L;
	buf[3] = KIWI_RDMAP_VERSION << 6 | hdr->opcode;

	if (op->flags & KIWI_OPF_TAGGED) {
		kiwi_put_be32(buf + 4, hdr->stag);
		kiwi_put_be64(buf + 8, hdr->to);
		return op->hdr_len;
	}
	kiwi_put_be32(buf + 4, (op->flags & KIWI_OPF_INVAL) ?
			       hdr->inval_stag : 0);
	kiwi_put_be32(buf + 8, op->qn);
	kiwi_put_be32(buf + 12, hdr->msn);
	kiwi_put_be32(buf + 16, hdr->mo);
	build_rdmap(buf + KIWI_HDR_UNTAGGED_LEN, hdr);
	return op->hdr_len;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Wireshark as an oracle nobody here wrote.
 *
 * Builds complete synthetic TCP conversations with the wire library (the
 * three-way handshake, MPA request and reply, then FPDUs of every opcode
 * in both directions), writes them to pcap files with varied TCP
 * segmentation, decodes them with tshark's iwarp-mpa and iwarp-ddp-rdmap
 * dissectors and checks that
 *
 *   - every field tshark decodes is the value that was sent,
 *   - every FPDU's CRC is reported "Good" when CRCs are on,
 *   - tshark reports no malformed packet and no expert error.
 *
 * Notes on tshark 4.0 (Debian 12) that shape the scenarios:
 *   - the MPA dissector is heuristic and finds the conversation by its
 *     request and reply keys, so no "-d" option is needed;
 *   - it predates RFC 6581: a revision 2 request gets the expert warning
 *     "Rev field is NOT set to one", and the IRD/ORD word is shown as
 *     the first four bytes of the private data;
 *   - it knows opcodes 0-7 and the RFC 7306 atomics, not Immediate Data;
 *   - the terminated DDP header is sized by the error type (14 bytes for
 *     "tagged buffer error", else 18), so TERMINATE scenarios pair each
 *     error type with the matching header.
 *
 * The pcaps stay in the build directory for inspection.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <kiwi/crc32c.h>
#include <kiwi/ddp.h>
#include <kiwi/fpdu.h>
#include <kiwi/markers.h>
#include <kiwi/mpa.h>
#include <kiwi/terminate.h>
#include "pcap_writer.h"
#include "test_util.h"

using namespace kiwi_test;

namespace {

enum class Seg { ONE, COALESCE, SPLIT };

struct Scenario {
	int id;
	const char *name;
	uint8_t rev;
	bool crc;
	bool markers;
	Seg seg;
	unsigned seed;
};

/* one FPDU as sent, with what tshark should report */
struct Fpdu {
	kiwi_fpdu_hdr h;
	Bytes payload;
	kiwi_term term;
	Bytes wire;	/* without markers */
	uint32_t crc;
};

/*
 * RPC-over-RDMA and SMB Direct heuristics would try to read our random
 * Send payloads as their own messages and report them malformed; they are
 * not what is under test.
 */
const std::string TSHARK = "tshark -n --disable-protocol rpcordma "
			   "--disable-protocol smb_direct";

bool have_tshark()
{
	return system("tshark -v >/dev/null 2>&1") == 0;
}

std::string run(const std::string &cmd)
{
	std::string out;
	FILE *p = popen(cmd.c_str(), "r");
	if (!p)
		return out;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		out.append(buf, n);
	pclose(p);
	return out;
}

kiwi_term term_for(int i)
{
	kiwi_term t = {};
	switch (i % 4) {
	case 0:	/* MPA CRC error: no headers */
		t.code = { KIWI_TERM_LAYER_LLP, 0, KIWI_TERM_LLP_CRC };
		break;
	case 1: { /* DDP invalid QN on a Send, with its untagged header */
		t.code = { KIWI_TERM_LAYER_DDP, KIWI_TERM_DDP_UNTAGGED,
			   KIWI_TERM_DDP_U_INVALID_QN };
		Bytes s = hex("0017 41 43 00000000 00000005 00000009 00000000");
		kiwi_term_set_hdrs(&t, s.data(), s.size());
		break;
	}
	case 2: { /* DDP tagged bounds error, tagged header */
		t.code = { KIWI_TERM_LAYER_DDP, KIWI_TERM_DDP_TAGGED,
			   KIWI_TERM_DDP_T_BASE_BOUNDS };
		Bytes w = hex("0400 c1 40 00001234 0000000000000100");
		kiwi_term_set_hdrs(&t, w.data(), w.size());
		break;
	}
	default: /* RDMAP: unexpected opcode, no headers */
		t.code = { KIWI_TERM_LAYER_RDMAP, KIWI_TERM_RDMAP_OPERATION,
			   KIWI_TERM_RDMAP_OPCODE };
		break;
	}
	return t;
}

/* FPDUs of every opcode, with varied sizes and field values */
std::vector<Fpdu> make_fpdus(std::mt19937_64 &rng, int side)
{
	std::vector<Fpdu> v;
	uint32_t msn[4] = { 1, 1, 1, 1 };
	for (int round = 0; round < 3; round++) {
		for (uint8_t op = 0; op < KIWI_OP_COUNT; op++) {
			Fpdu f = {};
			const kiwi_opcode_info *info = kiwi_opcode_lookup(op);
			bool single = info->flags & KIWI_OPF_SINGLE;
			kiwi_fpdu_hdr &h = f.h;
			h.opcode = op;
			h.last = single || round != 1;
			h.stag = (uint32_t)rng();
			h.to = rng();
			h.inval_stag = (info->flags & KIWI_OPF_INVAL) ? (uint32_t)rng() : 0;
			if (!(info->flags & KIWI_OPF_TAGGED)) {
				h.msn = msn[info->qn]++ + (uint32_t)side * 1000;
				h.mo = single ? 0 : (uint32_t)(rng() % 100000);
			}
			size_t plen = 0;
			switch (op) {
			case KIWI_OP_READ_REQ:
				h.u.rreq = { (uint32_t)rng(), rng(), (uint32_t)rng(),
					     (uint32_t)rng(), rng() };
				break;
			case KIWI_OP_ATOMIC_REQ:
				h.u.areq.aop = (round & 1) ? KIWI_ATOMIC_CMP_SWAP
							   : KIWI_ATOMIC_FETCH_ADD;
				h.u.areq.req_id = (uint32_t)rng();
				h.u.areq.stag = (uint32_t)rng();
				h.u.areq.to = rng();
				h.u.areq.add_swap = rng();
				h.u.areq.add_swap_mask = rng();
				h.u.areq.cmp = rng();
				h.u.areq.cmp_mask = rng();
				break;
			case KIWI_OP_ATOMIC_RESP:
				h.u.aresp = { (uint32_t)rng(), rng() };
				break;
			case KIWI_OP_TERMINATE: {
				f.term = term_for(round + side);
				uint8_t body[KIWI_TERM_MAX_LEN];
				int n = kiwi_term_build(body, sizeof(body), &f.term);
				f.payload.assign(body, body + n);
				break;
			}
			case KIWI_OP_IMM:
			case KIWI_OP_IMM_SE:
				plen = 8;
				break;
			default:
				plen = rng() % (round == 2 ? 1400 : 40);
			}
			for (size_t i = 0; i < plen; i++)
				f.payload.push_back((uint8_t)rng());
			h.payload_len = (uint16_t)f.payload.size();

			uint8_t hb[KIWI_HDR_MAX_LEN];
			int hl = kiwi_fpdu_hdr_build(hb, sizeof(hb), &h);
			EXPECT_GT(hl, 0);
			f.wire.assign(hb, hb + hl);
			f.wire.insert(f.wire.end(), f.payload.begin(), f.payload.end());
			/* keep the parsed form: it has ULPDU_Length, T, QN */
			const kiwi_fpdu_limits lim = { 0xffff, KIWI_OPS_ALL };
			kiwi_fpdu_hdr parsed;
			EXPECT_EQ(kiwi_fpdu_hdr_parse(hb, hl, &lim, &parsed), hl);
			h = parsed;
			v.push_back(f);
		}
	}
	return v;
}

/*
 * Serialise FPDUs into a stream: with markers, the CRC covers them, and a
 * marker due right before the CRC field is emitted and checksummed first.
 */
Bytes serialise(std::vector<Fpdu> &fpdus, bool crc, bool markers)
{
	Bytes out;
	kiwi_mkr_tx st;
	kiwi_mkr_tx_init(&st);
	for (auto &f : fpdus) {
		uint32_t ulpdu = kiwi_get_be16(f.wire.data());
		Bytes body = f.wire;
		body.resize(body.size() + kiwi_fpdu_pad(ulpdu), 0);
		if (!markers) {
			uint32_t reg = kiwi_crc32c_update(KIWI_CRC32C_SEED,
							  body.data(), body.size());
			f.crc = crc ? kiwi_crc32c_final(reg) : 0;
			out.insert(out.end(), body.begin(), body.end());
			uint8_t c[4];
			kiwi_crc32c_put(c, f.crc);
			out.insert(out.end(), c, c + 4);
			continue;
		}
		kiwi_mkr_tx_fpdu_start(&st);
		Bytes wire(kiwi_mkr_fpdu_wire_len(st.pos, (uint32_t)body.size() + 4));
		size_t used, n = kiwi_mkr_tx_copy(&st, wire.data(), wire.size(),
						  body.data(), body.size(), &used);
		EXPECT_EQ(used, body.size());
		if (!kiwi_mkr_tx_room(&st)) {
			kiwi_mkr_tx_marker(&st, wire.data() + n);
			n += KIWI_MKR_LEN;
		}
		uint32_t reg = kiwi_crc32c_update(KIWI_CRC32C_SEED, wire.data(), n);
		f.crc = crc ? kiwi_crc32c_final(reg) : 0;
		uint8_t c[4];
		kiwi_crc32c_put(c, f.crc);
		n += kiwi_mkr_tx_copy(&st, wire.data() + n, wire.size() - n, c, 4,
				      &used);
		EXPECT_EQ(n, wire.size());
		out.insert(out.end(), wire.begin(), wire.end());
	}
	return out;
}

std::vector<Bytes> segment(const Bytes &stream, const std::vector<Fpdu> &fpdus,
			   bool markers, Seg mode, std::mt19937_64 &rng)
{
	std::vector<Bytes> segs;
	std::vector<size_t> ends;	/* FPDU end offsets in the stream */
	uint32_t pos = 0;
	for (const auto &f : fpdus) {
		uint32_t len = kiwi_fpdu_len(kiwi_get_be16(f.wire.data()));
		pos += markers ? kiwi_mkr_fpdu_wire_len(pos, len) : len;
		ends.push_back(pos);
	}
	size_t start = 0, i = 0;
	while (start < stream.size()) {
		size_t end;
		switch (mode) {
		case Seg::ONE:
			end = ends[i++];
			break;
		case Seg::COALESCE:
			i = std::min(ends.size() - 1, i + 1 + rng() % 4);
			end = ends[i++];
			break;
		default:
			end = std::min(stream.size(), start + 1 + rng() % 700);
		}
		segs.emplace_back(stream.begin() + start, stream.begin() + end);
		start = end;
	}
	return segs;
}

/* per-direction, per-field sequence of values tshark printed */
using Fields = std::map<std::string, std::vector<std::string>>;

const char *FIELDS[] = {
	"iwarp_mpa.ulpdulength", "iwarp_mpa.crc_check", "iwarp_mpa.crc",
	"iwarp_ddp.tagged_flag", "iwarp_ddp.last_flag", "iwarp_ddp.dv",
	"iwarp_rdma.version", "iwarp_rdma.opcode", "iwarp_ddp.stag",
	"iwarp_ddp.tagged_offset", "iwarp_ddp.qn", "iwarp_ddp.msn",
	"iwarp_ddp.mo", "iwarp_rdma.inval_stag", "iwarp_rdma.sinkstag",
	"iwarp_rdma.sinkto", "iwarp_rdma.rdmardsz", "iwarp_rdma.srcstag",
	"iwarp_rdma.srcto", "iwarp_rdma.term_layer",
	"iwarp_rdma.term_errcode_rdma", "iwarp_rdma.term_errcode_ddp_tagged",
	"iwarp_rdma.term_errcode_ddp_untagged",
	"iwarp_rdma.term_errcode_llp", "iwarp_rdma.term_errcode",
	"iwarp_rdma.term_hdrct_m", "iwarp_rdma.hdrct_d", "iwarp_rdma.hdrct_r",
	"iwarp_rdma.term_ddp_h", "iwarp_rdma.term_rdma_h",
	"iwarp_rdma.atomic.opcode", "iwarp_rdma.atomic.request_identifier",
	"iwarp_rdma.atomic.remote_stag",
	"iwarp_rdma.atomic.remote_tagged_offset",
	"iwarp_rdma.atomic.add_data", "iwarp_rdma.atomic.swap_data",
	"iwarp_rdma.atomic.compare_mask",
	"iwarp_rdma.atomic.original_request_identifier",
	"iwarp_mpa.rev", "iwarp_mpa.crc_flag", "iwarp_mpa.marker_flag",
	"iwarp_mpa.pdlength", "iwarp_mpa.privatedata",
	"iwarp_mpa.marker_fpduptr",
};

std::vector<std::string> split(const std::string &s, char sep)
{
	std::vector<std::string> out;
	std::string cur;
	std::istringstream in(s);
	while (std::getline(in, cur, sep))
		out.push_back(cur);
	if (!s.empty() && s.back() == sep)
		out.push_back("");
	return out;
}

/* normalise a tshark value: numbers to decimal, booleans to 0/1 */
std::string norm(std::string v)
{
	if (v == "True")
		return "1";
	if (v == "False")
		return "0";
	std::string hexonly;
	for (char c : v)
		if (c != ':')
			hexonly += c;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v.c_str(), &end, 0);
	if (!v.empty() && *end == 0 && errno == 0 &&
	    (v.rfind("0x", 0) == 0 || v.find_first_not_of("0123456789") ==
					std::string::npos))
		return std::to_string(x);
	return hexonly;
}

std::string num(unsigned long long x)
{
	return std::to_string(x);
}

void decode(const std::string &pcap, uint16_t client_port, Fields out[2])
{
	std::string cmd = TSHARK + " -r " + pcap +
			  " -T fields -E separator=/t -E occurrence=a"
			  " -E aggregator=/s -e tcp.srcport";
	for (const char *f : FIELDS)
		cmd += std::string(" -e ") + f;
	cmd += " 2>/dev/null";
	std::string text = run(cmd);
	for (const auto &line : split(text, '\n')) {
		if (line.empty())
			continue;
		auto cols = split(line, '\t');
		if (cols.size() < 1 + sizeof(FIELDS) / sizeof(FIELDS[0]))
			cols.resize(1 + sizeof(FIELDS) / sizeof(FIELDS[0]));
		int side = atoi(cols[0].c_str()) == client_port ? 0 : 1;
		for (size_t i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++) {
			if (cols[i + 1].empty())
				continue;
			for (const auto &v : split(cols[i + 1], ' '))
				out[side][FIELDS[i]].push_back(norm(v));
		}
	}
}

/* what tshark should print for one direction's FPDUs */
Fields expected(const std::vector<Fpdu> &fpdus, bool crc)
{
	Fields e;
	for (const auto &f : fpdus) {
		const kiwi_fpdu_hdr &h = f.h;
		e["iwarp_mpa.ulpdulength"].push_back(num(h.ulpdu_len));
		/* only counted: the verdict is checked in tshark's text */
		e[crc ? "iwarp_mpa.crc_check" : "iwarp_mpa.crc"].push_back("");
		e["iwarp_ddp.tagged_flag"].push_back(num(h.tagged));
		e["iwarp_ddp.last_flag"].push_back(num(h.last));
		e["iwarp_ddp.dv"].push_back("1");
		e["iwarp_rdma.version"].push_back("1");
		e["iwarp_rdma.opcode"].push_back(num(h.opcode));
		if (h.tagged) {
			e["iwarp_ddp.stag"].push_back(num(h.stag));
			e["iwarp_ddp.tagged_offset"].push_back(num(h.to));
		} else {
			e["iwarp_ddp.qn"].push_back(num(h.qn));
			e["iwarp_ddp.msn"].push_back(num(h.msn));
			e["iwarp_ddp.mo"].push_back(num(h.mo));
		}
		if (h.opcode == KIWI_OP_SEND_INV || h.opcode == KIWI_OP_SEND_SE_INV)
			e["iwarp_rdma.inval_stag"].push_back(num(h.inval_stag));
		if (h.opcode == KIWI_OP_READ_REQ) {
			e["iwarp_rdma.sinkstag"].push_back(num(h.u.rreq.sink_stag));
			e["iwarp_rdma.sinkto"].push_back(num(h.u.rreq.sink_to));
			e["iwarp_rdma.rdmardsz"].push_back(num(h.u.rreq.size));
			e["iwarp_rdma.srcstag"].push_back(num(h.u.rreq.src_stag));
			e["iwarp_rdma.srcto"].push_back(num(h.u.rreq.src_to));
		}
		if (h.opcode == KIWI_OP_TERMINATE) {
			const kiwi_term &t = f.term;
			const char *ec;
			e["iwarp_rdma.term_layer"].push_back(num(t.code.layer));
			if (t.code.layer == KIWI_TERM_LAYER_RDMAP)
				ec = t.code.etype ? "iwarp_rdma.term_errcode_rdma"
						  : "iwarp_rdma.term_errcode";
			else if (t.code.layer == KIWI_TERM_LAYER_LLP)
				ec = "iwarp_rdma.term_errcode_llp";
			else if (t.code.etype == KIWI_TERM_DDP_TAGGED)
				ec = "iwarp_rdma.term_errcode_ddp_tagged";
			else if (t.code.etype == KIWI_TERM_DDP_UNTAGGED)
				ec = "iwarp_rdma.term_errcode_ddp_untagged";
			else
				ec = "iwarp_rdma.term_errcode";
			e[ec].push_back(num(t.code.ecode));
			e["iwarp_rdma.term_hdrct_m"].push_back(
				num(!!(t.hdrct & KIWI_TERM_HDRCT_M)));
			e["iwarp_rdma.hdrct_d"].push_back(
				num(!!(t.hdrct & KIWI_TERM_HDRCT_D)));
			e["iwarp_rdma.hdrct_r"].push_back(
				num(!!(t.hdrct & KIWI_TERM_HDRCT_R)));
			if (t.ddp_hdr_len)
				e["iwarp_rdma.term_ddp_h"].push_back(to_hex(
					Bytes(t.ddp_hdr, t.ddp_hdr + t.ddp_hdr_len)));
		}
		if (h.opcode == KIWI_OP_ATOMIC_REQ) {
			e["iwarp_rdma.atomic.opcode"].push_back(num(h.u.areq.aop));
			e["iwarp_rdma.atomic.request_identifier"].push_back(
				num(h.u.areq.req_id));
			e["iwarp_rdma.atomic.remote_stag"].push_back(num(h.u.areq.stag));
			e["iwarp_rdma.atomic.remote_tagged_offset"].push_back(
				num(h.u.areq.to));
			e[h.u.areq.aop == KIWI_ATOMIC_FETCH_ADD ?
				  "iwarp_rdma.atomic.add_data" :
				  "iwarp_rdma.atomic.swap_data"].push_back(
				num(h.u.areq.add_swap));
			e["iwarp_rdma.atomic.compare_mask"].push_back(
				num(h.u.areq.cmp_mask));
		}
		if (h.opcode == KIWI_OP_ATOMIC_RESP)
			e["iwarp_rdma.atomic.original_request_identifier"].push_back(
				num(h.u.aresp.req_id));
	}
	return e;
}

class Oracle : public testing::TestWithParam<Scenario> {};

TEST_P(Oracle, TsharkAgrees)
{
	if (!have_tshark())
		GTEST_SKIP() << "tshark not installed";
	const Scenario &sc = GetParam();
	std::mt19937_64 rng(sc.seed);
	uint16_t cport = (uint16_t)(40000 + sc.id), sport = 4791 + sc.id;

	/* connection setup through the library's own negotiation */
	kiwi_mpa_policy ip = {}, rp = {};
	ip.rev = rp.rev = sc.rev;
	ip.crc = sc.crc ? KIWI_MPA_CRC_PREFER_ON : KIWI_MPA_CRC_PREFER_OFF;
	rp.crc = KIWI_MPA_CRC_PREFER_OFF;
	ip.markers = rp.markers = sc.markers ? KIWI_MPA_MARKERS_WANT
					     : KIWI_MPA_MARKERS_ALLOW;
	ip.ird = ip.ord = 16;
	rp.ird = rp.ord = 4;
	Bytes ipd = str_bytes("kiwi initiator private data");
	Bytes rpd = str_bytes("responder says hi");
	kiwi_mpa_rr req, rep;
	ASSERT_EQ(kiwi_mpa_request_init(&ip, &req), 0);
	req.pdata = ipd.data();
	req.pdata_len = (uint16_t)ipd.size();
	kiwi_mpa_params ia, ra;
	ASSERT_EQ(kiwi_mpa_negotiate_responder(&rp, &req, &rep, &ra),
		  KIWI_WERR_NONE);
	rep.pdata = rpd.data();
	rep.pdata_len = (uint16_t)rpd.size();
	ASSERT_EQ(kiwi_mpa_negotiate_initiator(&ip, &req, &rep, &ia),
		  KIWI_WERR_NONE);
	ASSERT_EQ(ia.crc, sc.crc);
	uint8_t frame[KIWI_MPA_MAX_FRAME];

	PcapWriter w(cport, sport);
	w.handshake();
	int n = kiwi_mpa_rr_build(frame, sizeof(frame), &req);
	ASSERT_GT(n, 0);
	w.segment(0, Bytes(frame, frame + n));
	Bytes req_wire(frame, frame + n);
	n = kiwi_mpa_rr_build(frame, sizeof(frame), &rep);
	ASSERT_GT(n, 0);
	w.segment(1, Bytes(frame, frame + n));
	Bytes rep_wire(frame, frame + n);

	std::vector<Fpdu> fpdus[2];
	std::vector<Bytes> segs[2];
	for (int side = 0; side < 2; side++) {
		fpdus[side] = make_fpdus(rng, side);
		bool mk = side == 0 ? ia.tx_markers : ra.tx_markers;
		Bytes stream = serialise(fpdus[side], ia.crc, mk);
		segs[side] = segment(stream, fpdus[side], mk, sc.seg, rng);
	}
	/* interleave the two directions */
	for (size_t i = 0; i < std::max(segs[0].size(), segs[1].size()); i++)
		for (int side = 0; side < 2; side++)
			if (i < segs[side].size())
				w.segment(side, segs[side][i]);
	w.fin();

	std::string pcap = std::string(KIWI_BUILD_DIR) + "/oracle-" +
			   std::to_string(sc.id) + "-" + sc.name + ".pcap";
	ASSERT_TRUE(w.save(pcap));

	Fields got[2];
	decode(pcap, cport, got);

	/* MPA request and reply */
	for (int side = 0; side < 2; side++) {
		const kiwi_mpa_rr &rr = side ? rep : req;
		const Bytes &pd = side ? rpd : ipd;
		const Bytes &wire = side ? rep_wire : req_wire;
		SCOPED_TRACE(side ? "reply" : "request");
		ASSERT_EQ(got[side]["iwarp_mpa.rev"].size(), 1u);
		EXPECT_EQ(got[side]["iwarp_mpa.rev"][0], num(rr.rev));
		EXPECT_EQ(got[side]["iwarp_mpa.crc_flag"][0], num(rr.crc));
		EXPECT_EQ(got[side]["iwarp_mpa.marker_flag"][0], num(rr.markers));
		EXPECT_EQ(got[side]["iwarp_mpa.pdlength"][0],
			  num(kiwi_get_be16(&wire[18])));
		/* RFC 6581 IRD/ORD shows up as private data in tshark 4.0 */
		EXPECT_EQ(got[side]["iwarp_mpa.privatedata"][0],
			  to_hex(Bytes(wire.begin() + 20, wire.end())));
		EXPECT_EQ(wire.size() - 20 - pd.size(), rr.enhanced ? 4u : 0u);
	}

	for (int side = 0; side < 2; side++) {
		SCOPED_TRACE(side ? "responder to initiator" : "initiator to responder");
		Fields want = expected(fpdus[side], ia.crc);
		for (const char *f : FIELDS) {
			std::string fs = f;
			if (fs.rfind("iwarp_mpa.", 0) == 0 &&
			    fs != "iwarp_mpa.ulpdulength" && fs != "iwarp_mpa.crc" &&
			    fs != "iwarp_mpa.crc_check")
				continue;
			if (fs == "iwarp_mpa.crc_check" || fs == "iwarp_mpa.crc") {
				/* value checked through the Good/Bad text below */
				EXPECT_EQ(got[side][fs].size(), want[fs].size()) << fs;
				continue;
			}
			EXPECT_EQ(got[side][fs], want[fs]) << fs;
		}
		bool mk = side == 0 ? ia.tx_markers : ra.tx_markers;
		if (!mk) {
			EXPECT_TRUE(got[side]["iwarp_mpa.marker_fpduptr"].empty());
		}
	}

	/* CRC verdicts: every FPDU's CRC good when on, no verdict when off */
	std::string verbose = run(TSHARK + " -V -r " + pcap + " 2>/dev/null");
	size_t good = 0, bad = 0;
	for (size_t p = 0; (p = verbose.find("(Good CRC32)", p)) != std::string::npos; p++)
		good++;
	for (size_t p = 0; (p = verbose.find("Bad CRC32", p)) != std::string::npos; p++)
		bad++;
	EXPECT_EQ(bad, 0u);
	EXPECT_EQ(good, ia.crc ? fpdus[0].size() + fpdus[1].size() : 0u);

	/* no malformed packets, no expert errors */
	std::string errs = run(TSHARK + " -r " + pcap +
			       " -Y '_ws.malformed || _ws.expert.severity >= \"error\"'"
			       " -T fields -e frame.number 2>/dev/null");
	EXPECT_EQ(errs, "") << run(TSHARK + " -q -z expert -r " + pcap + " 2>&1");
	std::string expert = run(TSHARK + " -q -z expert,warn -r " + pcap + " 2>&1");
	if (sc.rev == 2) {
		EXPECT_NE(expert.find("Rev field is NOT set to one"), std::string::npos);
	} else {
		EXPECT_EQ(expert.find("Warnings"), std::string::npos) << expert;
	}
}

const Scenario scenarios[] = {
	{ 1, "rev1-crc-one", 1, true, false, Seg::ONE, 1 },
	{ 2, "rev1-nocrc-one", 1, false, false, Seg::ONE, 2 },
	{ 3, "rev1-crc-coalesce", 1, true, false, Seg::COALESCE, 3 },
	{ 4, "rev1-nocrc-coalesce", 1, false, false, Seg::COALESCE, 4 },
	{ 5, "rev1-crc-split", 1, true, false, Seg::SPLIT, 5 },
	{ 6, "rev1-nocrc-split", 1, false, false, Seg::SPLIT, 6 },
	{ 7, "rev2-crc-one", 2, true, false, Seg::ONE, 7 },
	{ 8, "rev2-crc-split", 2, true, false, Seg::SPLIT, 8 },
	{ 9, "rev1-crc-markers-one", 1, true, true, Seg::ONE, 9 },
};

INSTANTIATE_TEST_SUITE_P(Pcap, Oracle, testing::ValuesIn(scenarios),
			 [](const testing::TestParamInfo<Scenario> &i) {
				 std::string s = i.param.name;
				 for (auto &c : s)
					 if (c == '-')
						 c = '_';
				 return s;
			 });

} // namespace

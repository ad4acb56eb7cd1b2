// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Writes the seed corpus for the fuzz targets:
 *	gen_corpus tests/wire/corpus
 * Seeds are valid inputs of each kind, built with the wire library, so the
 * fuzzers start from deep inside the parsers rather than at the key check.
 */
#include <cstdio>
#include <string>
#include <sys/stat.h>
#include <vector>

#include <kiwi/crc32c.h>
#include <kiwi/ddp.h>
#include <kiwi/fpdu.h>
#include <kiwi/markers.h>
#include <kiwi/mpa.h>
#include <kiwi/terminate.h>

using Bytes = std::vector<uint8_t>;

static std::string root;

static void put(const char *target, int n, const Bytes &b)
{
	std::string dir = root + "/" + target;
	mkdir(dir.c_str(), 0755);
	char name[64];
	snprintf(name, sizeof(name), "/seed-%02d", n);
	FILE *f = fopen((dir + name).c_str(), "wb");
	if (!f || fwrite(b.data(), 1, b.size(), f) != b.size()) {
		perror(name);
		exit(1);
	}
	fclose(f);
}

static Bytes fpdu(uint8_t op, uint16_t payload, bool crc)
{
	kiwi_fpdu_hdr h = {};
	h.opcode = op;
	h.last = true;
	h.payload_len = payload;
	h.stag = 0x1234;
	h.to = 0x1000;
	h.msn = 1;
	uint8_t hb[KIWI_HDR_MAX_LEN];
	int n = kiwi_fpdu_hdr_build(hb, sizeof(hb), &h);
	if (n < 0) {
		fprintf(stderr, "opcode %u payload %u: %d\n", op, payload, n);
		exit(1);
	}
	Bytes f(hb, hb + n);
	if (op == KIWI_OP_TERMINATE) {
		kiwi_term t = {};
		t.code = { KIWI_TERM_LAYER_DDP, KIWI_TERM_DDP_UNTAGGED, 1 };
		Bytes s = { 0, 0x12, 0x41, 0x43, 0, 0, 0, 0, 0, 0, 0, 0,
			    0, 0, 0, 1, 0, 0, 0, 0 };
		kiwi_term_set_hdrs(&t, s.data(), s.size());
		uint8_t tb[KIWI_TERM_MAX_LEN];
		int tl = kiwi_term_build(tb, sizeof(tb), &t);
		f.insert(f.end(), tb, tb + tl);
		/* payload_len above was the body size: rebuild the header */
		h.payload_len = (uint16_t)tl;
		kiwi_fpdu_hdr_build(f.data(), n, &h);
	} else {
		for (int i = 0; i < payload; i++)
			f.push_back((uint8_t)(i * 7));
	}
	uint32_t reg = kiwi_crc32c_update(KIWI_CRC32C_SEED, f.data(), f.size());
	uint8_t trl[KIWI_FPDU_MAX_TRAILER];
	int tl = kiwi_fpdu_trailer_build(trl, kiwi_get_be16(f.data()), reg, crc);
	f.insert(f.end(), trl, trl + tl);
	return f;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	root = argv[1];
	mkdir(root.c_str(), 0755);

	/* MPA: [policy byte][prefix][frame] */
	int n = 0;
	for (int rev = 1; rev <= 2; rev++) {
		for (int reply = 0; reply < 2; reply++) {
			for (int pd = 0; pd < 3; pd++) {
				kiwi_mpa_policy p = {};
				p.rev = (uint8_t)rev;
				p.crc = KIWI_MPA_CRC_PREFER_ON;
				p.markers = pd == 2 ? KIWI_MPA_MARKERS_WANT :
						      KIWI_MPA_MARKERS_ALLOW;
				p.ird = 4;
				p.ord = 4;
				p.p2p = pd == 1;
				p.rtr = KIWI_MPA_RTR_ALL;
				kiwi_mpa_rr rr;
				kiwi_mpa_request_init(&p, &rr);
				rr.reply = reply;
				if (pd == 1 && reply)
					rr.rtr = KIWI_MPA_RTR_WRITE;
				Bytes data(pd * 37, 0x61);
				rr.pdata = data.data();
				rr.pdata_len = (uint16_t)data.size();
				uint8_t buf[KIWI_MPA_MAX_FRAME];
				int len = kiwi_mpa_rr_build(buf, sizeof(buf), &rr);
				Bytes s = { (uint8_t)((reply ? 0x80 : 0) | (rev - 1) |
						      (pd << 5)), (uint8_t)(len / 2) };
				s.insert(s.end(), buf, buf + len);
				put("mpa", n++, s);
			}
		}
	}

	/* FPDU headers: [max_ulpdu][opcode mask][FPDU] */
	n = 0;
	for (uint8_t op = 0; op < KIWI_OP_COUNT; op++) {
		const kiwi_opcode_info *i = kiwi_opcode_lookup(op);
		uint16_t pl = i->min_payload == i->max_payload ? i->min_payload :
			      (uint16_t)(i->min_payload + 13);
		Bytes s = { 0xff, 0xff, 0x0f, 0xff };
		Bytes f = fpdu(op, pl, op & 1);
		s.insert(s.end(), f.begin(), f.end());
		put("fpdu_hdr", n++, s);
	}

	/* TERMINATE bodies */
	n = 0;
	{
		Bytes send = fpdu(KIWI_OP_SEND, 4, true);
		Bytes rreq = fpdu(KIWI_OP_READ_REQ, 0, true);
		Bytes wr = fpdu(KIWI_OP_WRITE, 8, true);
		const Bytes *srcs[] = { nullptr, &send, &rreq, &wr };
		for (const Bytes *src : srcs) {
			kiwi_term t = {};
			t.code = { KIWI_TERM_LAYER_RDMAP, KIWI_TERM_RDMAP_PROTECTION, 0 };
			if (src)
				kiwi_term_set_hdrs(&t, src->data(), src->size());
			uint8_t tb[KIWI_TERM_MAX_LEN];
			int tl = kiwi_term_build(tb, sizeof(tb), &t);
			put("terminate", n++, Bytes(tb, tb + tl));
		}
	}

	/* markers: [nctl][ctl...][stream with markers] */
	n = 0;
	for (int variant = 0; variant < 4; variant++) {
		kiwi_mkr_tx tx;
		kiwi_mkr_tx_init(&tx);
		Bytes s = { 4, 1, 50, 170, 255 };
		s[1] = (uint8_t)(1 + variant * 60);
		for (int k = 0; k < 6 + variant * 4; k++) {
			uint8_t op = (uint8_t)(k % KIWI_OP_COUNT);
			const kiwi_opcode_info *i = kiwi_opcode_lookup(op);
			Bytes f = i->max_payload < 1400 ?
				  fpdu(KIWI_OP_SEND, (uint16_t)(k * 131 % 1400), true) :
				  fpdu(op, (uint16_t)((k * 97 + variant * 300) % 1400 +
						      i->min_payload), true);
			kiwi_mkr_tx_fpdu_start(&tx);
			Bytes w(kiwi_mkr_fpdu_wire_len(tx.pos, (uint32_t)f.size()));
			size_t used;
			kiwi_mkr_tx_copy(&tx, w.data(), w.size(), f.data(), f.size(),
					 &used);
			s.insert(s.end(), w.begin(), w.end());
		}
		put("markers", n++, s);
	}
	return 0;
}

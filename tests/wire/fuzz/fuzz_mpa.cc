// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: MPA request/reply parser and both negotiation roles.
 *
 * Input: byte 0 picks the role and a local policy, byte 1 a prefix length
 * to try first (partial delivery), the rest is the received stream.
 */
#include <cstdint>
#include <cstring>
#include <vector>

#include <kiwi/mpa.h>

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static kiwi_mpa_policy policy(uint8_t b)
{
	kiwi_mpa_policy p = {};
	p.rev = 1 + (b & 1);
	p.crc = (b >> 1) & 3;
	p.markers = ((b >> 3) & 3) % 3;
	p.p2p = b & 0x20;
	p.rtr = p.p2p ? 1 + ((b >> 6) % 7) : 0;
	p.strict_ird = b & 0x40;
	p.ird = b & 0x1f;
	p.ord = (b >> 2) & 0x1f;
	return p;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	bool reply = data[0] & 0x80;
	kiwi_mpa_policy pol = policy(data[0]);
	size_t prefix = data[1];
	data += 2;
	size -= 2;

	kiwi_mpa_rr rr;
	size_t need = 0;
	kiwi_wire_err err = KIWI_WERR_NONE;

	/* partial delivery: a fresh copy of exactly prefix bytes */
	if (prefix < size) {
		std::vector<uint8_t> part(data, data + prefix);
		int r = kiwi_mpa_rr_parse(part.data(), part.size(), reply, &rr,
					  &need, &err);
		/* the frame may be shorter than the prefix */
		CHECK(r < 0 || (size_t)r <= prefix);
		if (r == -EAGAIN)
			CHECK(need > prefix && need <= KIWI_MPA_MAX_FRAME);
	}

	int n = kiwi_mpa_rr_parse(data, size, reply, &rr, &need, &err);
	if (n == -EAGAIN) {
		CHECK(need > size && need <= KIWI_MPA_MAX_FRAME);
		return 0;
	}
	if (n < 0) {
		kiwi_term_code c;
		CHECK(kiwi_wire_err_code(err, &c) == 0);
		CHECK(kiwi_term_code_valid(&c));
		return 0;
	}
	CHECK((size_t)n <= size && n >= KIWI_MPA_RR_HDR_LEN);
	CHECK(rr.pdata >= data && rr.pdata + rr.pdata_len <= data + n);
	CHECK(rr.ird <= KIWI_MPA_IRD_ORD_MAX && rr.ord <= KIWI_MPA_IRD_ORD_MAX);

	kiwi_mpa_params a;
	kiwi_mpa_rr out;
	uint8_t buf[KIWI_MPA_MAX_FRAME];
	if (!reply) {
		kiwi_wire_err w = kiwi_mpa_negotiate_responder(&pol, &rr, &out, &a);
		/* the reply must always be buildable and parse back */
		int m = kiwi_mpa_rr_build(buf, sizeof(buf), &out);
		CHECK(m == KIWI_MPA_RR_HDR_LEN + (out.enhanced ? 4 : 0));
		kiwi_mpa_rr back;
		CHECK(kiwi_mpa_rr_parse(buf, m, true, &back, &need, nullptr) == m);
		CHECK(back.reject == (w != KIWI_WERR_NONE));
		if (w == KIWI_WERR_NONE) {
			CHECK(a.ord <= rr.ird || !a.enhanced);
			CHECK(a.crc == (rr.crc || out.crc));
			CHECK(a.tx_markers == rr.markers);
			CHECK(!a.rtr || (a.rtr & rr.rtr));
		}
	} else {
		kiwi_mpa_rr req;
		CHECK(kiwi_mpa_request_init(&pol, &req) == 0);
		kiwi_wire_err w = kiwi_mpa_negotiate_initiator(&pol, &req, &rr, &a);
		if (w == KIWI_WERR_NONE) {
			CHECK(!rr.reject);
			CHECK(a.ird <= pol.ird || !a.enhanced);
			CHECK(a.ord <= pol.ord);
			CHECK(!a.rtr || (a.rtr & req.rtr));
		} else {
			kiwi_term_code c;
			CHECK(kiwi_wire_err_code(w, &c) == 0);
		}
	}

	/* whatever parsed must rebuild to the same bytes, reserved bits aside */
	kiwi_mpa_rr copy = rr;
	int m = kiwi_mpa_rr_build(buf, sizeof(buf), &copy);
	CHECK(m == n);
	CHECK(!memcmp(buf, data, 16) && buf[17] == data[17]);
	CHECK((buf[16] & 0xe0) == (data[16] & 0xe0));
	CHECK(!memcmp(buf + 18, data + 18, (size_t)n - 18 - rr.pdata_len));
	CHECK(!memcmp(buf + n - rr.pdata_len, rr.pdata, rr.pdata_len));
	return 0;
}

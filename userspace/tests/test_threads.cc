// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: the rings with a concurrent fake kernel, and with several posting
 * threads.  Run under ThreadSanitizer with
 *   make -C userspace test O=build-tsan SAN=-fsanitize=thread
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include "fake_kernel.h"

namespace kiwi_test {
namespace {

constexpr uint32_t kPerThread = 20000;

/* Two threads post; the kernel checks every entry is whole and in order. */
TEST(Threads, TwoPostersOneKernel)
{
	QpConfig cfg;
	cfg.sq_entries = 16;
	cfg.sq_poll = true;
	Qp qp(cfg);
	std::atomic<bool> failed{ false };

	auto poster = [&](uint32_t who) {
		for (uint32_t seq = 0; seq < kPerThread;) {
			ibv_sge sg = { uint64_t(who) << 32 | seq, seq, who };
			ibv_send_wr wr{};
			ibv_send_wr *bad;

			wr.wr_id = uint64_t(who) << 32 | seq;
			wr.opcode = IBV_WR_SEND;
			wr.sg_list = &sg;
			wr.num_sge = 1;
			int ret = kiwi_post_send(qp.ibqp(), &wr, &bad);
			if (ret == ENOMEM) {
				std::this_thread::yield();
				continue;
			}
			if (ret) {
				failed = true;
				return;
			}
			seq++;
		}
	};
	std::thread a(poster, 1), b(poster, 2);

	uint32_t next[3] = {};
	uint32_t total = 0;
	while (total < 2 * kPerThread && !failed) {
		uint32_t n = qp.sq.pending();
		for (uint32_t i = 0; i < n; i++) {
			const kiwi_sqe &e = qp.sqe(qp.sq.kcons() + i);
			uint32_t who = e.wr_id >> 32, seq = uint32_t(e.wr_id);

			ASSERT_TRUE(who == 1 || who == 2);
			ASSERT_EQ(seq, next[who]);
			ASSERT_EQ(e.num_sge, 1);
			ASSERT_EQ(e.sge[0].addr, e.wr_id);
			ASSERT_EQ(e.sge[0].length, seq);
			ASSERT_EQ(e.sge[0].lkey, who);
			next[who]++;
		}
		qp.sq.consume(n);
		total += n;
	}
	a.join();
	b.join();
	EXPECT_FALSE(failed);
	EXPECT_EQ(next[1], kPerThread);
	EXPECT_EQ(next[2], kPerThread);
}

/* The kernel produces while the process polls, both ways. */
TEST(Threads, KernelProducesWhileWePoll)
{
	Cq cq(8);
	constexpr uint64_t kTotal = 50000;

	std::thread kernel([&] {
		for (uint64_t i = 0; i < kTotal;) {
			uint32_t cons = cq.cons();
			if (cq.ring.kprod() - cons >= cq.ring.entries()) {
				std::this_thread::yield();
				continue;
			}
			kiwi_cqe c = make_cqe(i, KIWI_CQE_RECV, 0, uint32_t(i));
			cq.ring.produce(c);
			i++;
		}
	});

	uint64_t seen = 0;
	bool use_ex = false;
	while (seen < kTotal) {
		if (use_ex) {
			ibv_poll_cq_attr attr = {};
			if (ibv_start_poll(cq.cqx(), &attr) == 0) {
				do {
					ASSERT_EQ(cq.cqx()->wr_id, seen);
					ASSERT_EQ(ibv_wc_read_byte_len(cq.cqx()),
						  uint32_t(seen));
					seen++;
				} while (ibv_next_poll(cq.cqx()) == 0);
				ibv_end_poll(cq.cqx());
			}
		} else {
			ibv_wc wc[3];
			int n = kiwi_poll_cq(cq.ibcq(), 3, wc);
			for (int i = 0; i < n; i++) {
				ASSERT_EQ(wc[i].wr_id, seen);
				ASSERT_EQ(wc[i].byte_len, uint32_t(seen));
				seen++;
			}
		}
		use_ex = !use_ex;
	}
	kernel.join();
	EXPECT_EQ(cq.cons(), uint32_t(kTotal));
}

} // namespace
} // namespace kiwi_test

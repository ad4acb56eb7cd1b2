// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: a fake kernel for the provider's data path.  It owns ring memory
 * laid out as the uapi header says, builds the provider's QP, SRQ and CQ
 * objects around it the way verbs.c does after mmap(), and plays the
 * kernel's half of the protocol: consuming SQ and RQ entries, producing
 * CQEs, setting ring flags.  The two data-path system calls (doorbell and
 * flush kick) are counted instead of made.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_TESTS_FAKE_KERNEL_H
#define KIWI_TESTS_FAKE_KERNEL_H

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <gtest/gtest.h>

#include "kiwi.h"

namespace kiwi_test {

/* Counters of the system calls the data path made. */
struct Syscalls {
	int doorbells = 0;
	int flush_kicks = 0;
	struct kiwi_qp *last_qp = nullptr;
};
extern Syscalls syscalls;

/* Every provider test starts with no system calls counted. */
class ProviderTest : public ::testing::Test {
protected:
	void SetUp() override { syscalls = Syscalls(); }
};

/* One ring in "kernel" memory. */
class Ring {
public:
	Ring(uint32_t entries, uint32_t esize, uint32_t start = 0)
		: entries_(entries), esize_(esize)
	{
		len_ = KIWI_RING_HDR_SIZE + size_t(entries) * esize;
		mem_ = static_cast<uint8_t *>(std::aligned_alloc(4096, round(len_)));
		std::memset(mem_, 0, round(len_));
		hdr()->prod = start;
		hdr()->cons = start;
		kprod_ = kcons_ = start;
	}
	~Ring() { std::free(mem_); }
	Ring(const Ring &) = delete;
	Ring &operator=(const Ring &) = delete;

	struct kiwi_ring_hdr *hdr() { return reinterpret_cast<kiwi_ring_hdr *>(mem_); }
	void *map() { return mem_; }
	size_t len() const { return len_; }
	uint32_t entries() const { return entries_; }
	template <class T> T *slot(uint32_t idx)
	{
		return reinterpret_cast<T *>(mem_ + KIWI_RING_HDR_SIZE +
					     size_t(idx & (entries_ - 1)) * esize_);
	}

	/* Kernel as consumer (SQ, RQ, SRQ). */
	uint32_t pending()
	{
		return __atomic_load_n(&hdr()->prod, __ATOMIC_ACQUIRE) - kcons_;
	}
	uint32_t kcons() const { return kcons_; }
	/* Take @n entries and hand their slots back. */
	void consume(uint32_t n)
	{
		kcons_ += n;
		__atomic_store_n(&hdr()->cons, kcons_, __ATOMIC_RELEASE);
	}

	/* Kernel as producer (CQ). */
	void produce(const struct kiwi_cqe &c)
	{
		*slot<kiwi_cqe>(kprod_) = c;
		kprod_++;
		__atomic_store_n(&hdr()->prod, kprod_, __ATOMIC_RELEASE);
	}
	uint32_t kprod() const { return kprod_; }

private:
	static size_t round(size_t n) { return (n + 4095) & ~size_t(4095); }
	uint8_t *mem_;
	size_t len_;
	uint32_t entries_, esize_;
	uint32_t kprod_, kcons_;
};

struct QpConfig {
	uint32_t sq_entries = 8;
	uint32_t rq_entries = 8;
	uint32_t max_send_sge = KIWI_MAX_SEND_SGE;
	uint32_t max_recv_sge = KIWI_MAX_RECV_SGE;
	uint32_t max_sge_rd = 1;
	uint32_t max_inline = KIWI_MAX_INLINE;
	bool sq_poll = false;		/* the context has an SQ poller */
	bool sig_all = false;
	bool srq = false;
	bool ex = true;			/* install the ibv_qp_ex builder */
	uint32_t start = 0;		/* initial ring indices */
	uint32_t qp_num = 17;
	uint32_t state = IBV_QPS_RTS;	/* what the kernel published */
};

/* A QP as verbs.c leaves it after create_qp and mmap(). */
class Qp {
public:
	explicit Qp(const QpConfig &cfg = QpConfig())
		: sq(cfg.sq_entries, sizeof(kiwi_sqe), cfg.start),
		  rq(cfg.rq_entries, sizeof(kiwi_rqe), cfg.start)
	{
		qp_ = static_cast<kiwi_qp *>(std::calloc(1, sizeof(kiwi_qp)));
		pthread_spin_init(&qp_->sq.lock, PTHREAD_PROCESS_PRIVATE);
		pthread_spin_init(&qp_->rq.lock, PTHREAD_PROCESS_PRIVATE);
		if (kiwi_ring_init(&qp_->sq.ring, sq.map(), sq.len(),
				   sq.entries(), sizeof(kiwi_sqe), 1))
			std::abort();
		sq.hdr()->qp_state = cfg.state;
		rq.hdr()->qp_state = cfg.state;
		qp_->has_srq = cfg.srq;
		if (!cfg.srq && kiwi_ring_init(&qp_->rq.ring, rq.map(), rq.len(),
					       rq.entries(), sizeof(kiwi_rqe), 1))
			std::abort();
		qp_->sq.max_sge = cfg.max_send_sge;
		qp_->sq.max_sge_rd = cfg.max_sge_rd;
		qp_->sq.max_inline = cfg.max_inline;
		qp_->sq.sig_all = cfg.sig_all ? KIWI_SQE_SIGNALED : 0;
		qp_->sq.db_always = !cfg.sq_poll;
		qp_->rq.max_sge = cfg.max_recv_sge;
		qp_->vqp.qp.qp_num = cfg.qp_num;
		qp_->vqp.qp.qp_type = IBV_QPT_RC;
		if (cfg.ex)
			kiwi_qp_ex_init(qp_);
	}
	~Qp()
	{
		pthread_spin_destroy(&qp_->sq.lock);
		pthread_spin_destroy(&qp_->rq.lock);
		std::free(qp_);
	}
	Qp(const Qp &) = delete;
	Qp &operator=(const Qp &) = delete;

	kiwi_qp *raw() { return qp_; }
	ibv_qp *ibqp() { return &qp_->vqp.qp; }
	ibv_qp_ex *qpx() { return &qp_->vqp.qp_ex; }
	const kiwi_sqe &sqe(uint32_t idx) { return *sq.slot<kiwi_sqe>(idx); }
	const kiwi_rqe &rqe(uint32_t idx) { return *rq.slot<kiwi_rqe>(idx); }

	/* True if the SQ lock is free, i.e. nobody left it held. */
	bool sq_unlocked()
	{
		if (pthread_spin_trylock(&qp_->sq.lock))
			return false;
		pthread_spin_unlock(&qp_->sq.lock);
		return true;
	}

	Ring sq, rq;

private:
	kiwi_qp *qp_;
};

class Srq {
public:
	explicit Srq(uint32_t entries = 8, uint32_t max_sge = KIWI_MAX_RECV_SGE)
		: ring(entries, sizeof(kiwi_rqe))
	{
		srq_ = static_cast<kiwi_srq *>(std::calloc(1, sizeof(kiwi_srq)));
		pthread_spin_init(&srq_->rq.lock, PTHREAD_PROCESS_PRIVATE);
		if (kiwi_ring_init(&srq_->rq.ring, ring.map(), ring.len(),
				   entries, sizeof(kiwi_rqe), 1))
			std::abort();
		srq_->rq.max_sge = max_sge;
	}
	~Srq()
	{
		pthread_spin_destroy(&srq_->rq.lock);
		std::free(srq_);
	}
	Srq(const Srq &) = delete;
	Srq &operator=(const Srq &) = delete;

	ibv_srq *ibsrq() { return &srq_->vsrq.srq; }
	const kiwi_rqe &rqe(uint32_t idx) { return *ring.slot<kiwi_rqe>(idx); }

	Ring ring;

private:
	kiwi_srq *srq_;
};

/* A CQ as verbs.c leaves it; with ex, as ibv_create_cq_ex leaves it. */
class Cq {
public:
	explicit Cq(uint32_t entries = 8, bool ex = true, uint32_t start = 0,
		    bool single_threaded = false)
		: ring(entries, sizeof(kiwi_cqe), start)
	{
		cq_ = static_cast<kiwi_cq *>(std::calloc(1, sizeof(kiwi_cq)));
		pthread_spin_init(&cq_->lock, PTHREAD_PROCESS_PRIVATE);
		cq_->locked = !single_threaded;
		if (kiwi_ring_init(&cq_->ring, ring.map(), ring.len(), entries,
				   sizeof(kiwi_cqe), 0))
			std::abort();
		if (ex)
			kiwi_cq_ex_init(cq_);
	}
	~Cq()
	{
		pthread_spin_destroy(&cq_->lock);
		std::free(cq_);
	}
	Cq(const Cq &) = delete;
	Cq &operator=(const Cq &) = delete;

	ibv_cq *ibcq() { return &cq_->vcq.cq; }
	ibv_cq_ex *cqx() { return &cq_->vcq.cq_ex; }
	uint32_t arm() { return __atomic_load_n(&ring.hdr()->arm, __ATOMIC_ACQUIRE); }
	uint32_t cons() { return __atomic_load_n(&ring.hdr()->cons, __ATOMIC_ACQUIRE); }
	bool unlocked()
	{
		if (pthread_spin_trylock(&cq_->lock))
			return false;
		pthread_spin_unlock(&cq_->lock);
		return true;
	}
	/* Be another thread in the middle of a poll. */
	void lock() { pthread_spin_lock(&cq_->lock); }
	void unlock() { pthread_spin_unlock(&cq_->lock); }

	Ring ring;

private:
	kiwi_cq *cq_;
};

/* A completion as the kernel would write it. */
inline kiwi_cqe make_cqe(uint64_t wr_id, uint8_t opcode, uint8_t status = 0,
			 uint32_t byte_len = 0, uint32_t qp_num = 17)
{
	kiwi_cqe c{};
	c.wr_id = wr_id;
	c.opcode = opcode;
	c.status = status;
	c.byte_len = byte_len;
	c.qp_num = qp_num;
	return c;
}

} // namespace kiwi_test

#endif /* KIWI_TESTS_FAKE_KERNEL_H */

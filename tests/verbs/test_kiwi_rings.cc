// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi only: a process scribbles over its own mapped rings
 * (include/uapi/rdma/kiwi-abi.h), behind the provider's back.  The kernel
 * must treat the rings as hostile: every bad index or entry ends in an
 * error completion or an errored QP of that process only, nothing reaches
 * the peer as data, the kernel survives (the harness fails the run on any
 * splat), and the device keeps working for everyone.
 *
 * The rings are found without provider internals: the mappings of the
 * client device's uverbs file that appear while the client end is set up,
 * told apart by size (SQ 16, RQ 32 and CQ 1024 entries) and confirmed by a
 * marker wr_id at the place the ABI puts it.
 *
 * On siw these are skipped: its rings have another layout, and siw is not
 * the driver under test here.  So are the doorbell file's tests at the
 * end: the file (found by its name in /proc/self/fd) is kiwi's own.
 */
#include "suite.h"

#include <rdma/kiwi-abi.h>
#include <rdma/ib_user_verbs.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace kv {
namespace {

static_assert(sizeof(kiwi_sqe) == 128, "kiwi_sqe layout");
static_assert(sizeof(kiwi_rqe) == 128, "kiwi_rqe layout");
static_assert(sizeof(kiwi_cqe) == 32, "kiwi_cqe layout");
static_assert(sizeof(kiwi_ring_hdr) == KIWI_RING_HDR_SIZE, "ring header");

struct Mapping {
	uintptr_t start, end;
	size_t size() const { return end - start; }
	bool operator<(const Mapping &o) const { return start < o.start; }
};

/* /dev/infiniband/uverbsN of an ibv device. */
std::string uverbs_path(const std::string &dev)
{
	std::string base = "/sys/class/infiniband_verbs";
	DIR *d = opendir(base.c_str());
	std::string found;

	if (!d)
		return found;
	while (dirent *e = readdir(d)) {
		std::ifstream f(base + "/" + e->d_name + "/ibdev");
		std::string name;
		if (f >> name && name == dev)
			found = std::string("/dev/infiniband/") + e->d_name;
	}
	closedir(d);
	return found;
}

std::set<Mapping> mappings_of(const std::string &path)
{
	std::set<Mapping> out;
	std::ifstream maps("/proc/self/maps");
	std::string line;

	while (std::getline(maps, line)) {
		if (line.size() < path.size() ||
		    line.compare(line.size() - path.size(), path.size(), path))
			continue;
		Mapping m;
		char dash;
		std::istringstream l(line);
		l >> std::hex >> m.start >> dash >> m.end;
		out.insert(m);
	}
	return out;
}

struct Ring {
	kiwi_ring_hdr *hdr = nullptr;
	uint8_t *entries = nullptr;
	uint32_t num = 0;	/* entries, a power of two */
};

/* A ring of entries of size esz in mapping m: the largest power of two
 * that fits. */
Ring ring_in(const Mapping &m, size_t esz)
{
	Ring r;
	r.hdr = reinterpret_cast<kiwi_ring_hdr *>(m.start);
	r.entries = reinterpret_cast<uint8_t *>(m.start) + KIWI_RING_HDR_SIZE;
	size_t n = (m.size() - KIWI_RING_HDR_SIZE) / esz;
	for (r.num = 1; r.num * 2 <= n; r.num *= 2)
		;
	return r;
}

bool has_wr_id(const Ring &r, size_t esz, uint64_t id)
{
	for (uint32_t i = 0; i < r.num; i++)
		if (!memcmp(r.entries + i * esz, &id, sizeof(id)))
			return true;
	return false;
}

/* The doorbell the provider would ring: uverbs post_send, no WRs. */
int doorbell(ibv_qp *qp)
{
	struct {
		ib_uverbs_cmd_hdr hdr;
		ib_uverbs_post_send cmd;
	} req = {};
	ib_uverbs_post_send_resp resp = {};

	req.hdr.command = IB_USER_VERBS_CMD_POST_SEND;
	req.hdr.in_words = sizeof(req) / 4;
	req.hdr.out_words = sizeof(resp) / 4;
	req.cmd.response = reinterpret_cast<uintptr_t>(&resp);
	req.cmd.qp_handle = qp->handle;
	req.cmd.wqe_size = sizeof(ib_uverbs_send_wr);
	if (write(qp->context->cmd_fd, &req, sizeof(req)) < 0)
		return errno;
	return 0;
}

class KiwiRings : public VerbsTest {
protected:
	void SetUp() override
	{
		expect_errors_ = true;
		if (Config::get().dev_type != "kiwi")
			GTEST_SKIP() << "scribbles over kiwi's rings "
				     << "(kiwi-abi.h layout); the client device is "
				     << Config::get().dev_type;
		VerbsTest::SetUp();
		expect_errors_ = true;
		path_ = uverbs_path(Config::get().client_dev);
		ASSERT_FALSE(path_.empty()) << "no uverbs file for the client device";
	}

	/*
	 * A connection whose client rings are located: SQ 16, RQ 32, and a
	 * send CQ of 1024 entries (receives go to a second, small CQ).  A
	 * marker Send and a marker receive confirm which is which.
	 */
	bool setup_rings()
	{
		auto before = mappings_of(path_);
		QpOpts co;
		co.sq = 16;
		co.rq = 32;
		co.cq_size = 1024;
		co.split_cq = false;
		c_ = conn(co);
		if (!c_)
			return false;
		auto after = mappings_of(path_);
		std::vector<Mapping> fresh;
		for (auto &m : after)
			if (!before.count(m))
				fresh.push_back(m);

		s_ = std::make_unique<Buf>(4096);
		r_ = std::make_unique<Buf>(4096);
		s_->reg(c_->client.pd, IBV_ACCESS_LOCAL_WRITE);
		r_->reg(c_->server.pd, IBV_ACCESS_LOCAL_WRITE);
		const uint64_t MS = 0x5c5c5c5c00000001ull, MR = 0x5c5c5c5c00000002ull;
		EXPECT_EQ(0, post_recv(c_->server.qp(), { r_->sge(0, 64) }, 1));
		EXPECT_EQ(0, post_recv(c_->client.qp(), { s_->sge(2048, 64) }, MR));
		EXPECT_EQ(0, post_send(c_->client.qp(), IBV_WR_SEND, { s_->sge(0, 64) }, MS));
		if (!expect_wc(c_->client.scq, MS, IBV_WC_SEND) ||
		    !expect_wc(c_->server.rcq, 1, IBV_WC_RECV))
			return false;
		for (auto &m : fresh) {
			Ring sq = ring_in(m, sizeof(kiwi_sqe)), cq = ring_in(m, sizeof(kiwi_cqe));
			if (sq.num == 16 && has_wr_id(sq, sizeof(kiwi_sqe), MS))
				sq_ = sq;
			else if (sq.num == 32 && has_wr_id(sq, sizeof(kiwi_rqe), MR))
				rq_ = sq;
			else if (cq.num >= 1024 && has_wr_id(cq, sizeof(kiwi_cqe), MS))
				cq_ = cq;
		}
		EXPECT_TRUE(sq_.hdr) << "SQ ring not found among " << fresh.size()
				     << " new mappings";
		EXPECT_TRUE(rq_.hdr) << "RQ ring not found";
		EXPECT_TRUE(cq_.hdr) << "CQ ring not found";
		return sq_.hdr && rq_.hdr && cq_.hdr;
	}

	/* Publish n entries (already written) by moving prod. */
	static void publish(Ring &r, uint32_t n)
	{
		uint32_t p = __atomic_load_n(&r.hdr->prod, __ATOMIC_RELAXED);
		__atomic_store_n(&r.hdr->prod, p + n, __ATOMIC_RELEASE);
	}

	kiwi_sqe *next_sqe()
	{
		uint32_t p = __atomic_load_n(&sq_.hdr->prod, __ATOMIC_RELAXED);
		return reinterpret_cast<kiwi_sqe *>(sq_.entries +
						    (p & (sq_.num - 1)) * sizeof(kiwi_sqe));
	}

	/*
	 * After a scribble: the kernel reports an error to this QP (an error
	 * completion, the QP in ERR, or a refused doorbell), the peer
	 * receives nothing successfully, and a new connection works.
	 */
	void expect_contained(int doorbell_rc, bool peer_may_receive = false)
	{
		bool reported = doorbell_rc != 0;
		auto wcs = poll_n(c_->client.scq, 1, ms(5000));
		for (auto &w : poll_quiet(c_->client.scq, ms(200)))
			wcs.push_back(w);
		for (auto &w : wcs) {
			EXPECT_NE(IBV_WC_SUCCESS, w.status)
				<< "a scribbled WR completed successfully: " << wc_str(w);
			reported = true;
		}
		reported |= c_->client.state() == IBV_QPS_ERR;
		EXPECT_TRUE(reported) << "no error completion, QP state "
				      << qp_state_str(c_->client.state())
				      << ", doorbell " << doorbell_rc;
		for (auto &w : poll_quiet(c_->server.rcq, ms(500)))
			EXPECT_TRUE(peer_may_receive || w.status != IBV_WC_SUCCESS)
				<< "the peer received a scribbled message: " << wc_str(w);
		s_.reset();
		r_.reset();
		c_.reset();
		mark_ = AsyncEvents::get().mark();
		auto c = conn();
		ASSERT_TRUE(c) << "device unusable after the scribble";
		EXPECT_TRUE(marker(*c));
	}

	void TearDown() override
	{
		s_.reset();
		r_.reset();
		c_.reset();
		VerbsTest::TearDown();
	}

	std::string path_;
	std::unique_ptr<Conn> c_;
	std::unique_ptr<Buf> s_, r_;
	Ring sq_, rq_, cq_;
};

/* Random bytes in every SQ slot, all published. */
TEST_F(KiwiRings, RandomSqEntries)
{
	ASSERT_TRUE(setup_rings());
	srand(42);
	for (size_t i = 0; i < sq_.num * sizeof(kiwi_sqe); i++)
		sq_.entries[i] = static_cast<uint8_t>(rand());
	publish(sq_, sq_.num);
	expect_contained(doorbell(c_->client.qp()));
}

/* A producer index far beyond the ring: treated as invalid, not as 2^31
 * entries to process. */
TEST_F(KiwiRings, SqProducerIndexRunsAway)
{
	ASSERT_TRUE(setup_rings());
	publish(sq_, 0x80000000u);
	expect_contained(doorbell(c_->client.qp()));
}

/* The consumer index is the kernel's; the user overwriting it must not
 * make the kernel re-run or skip entries unsafely. */
TEST_F(KiwiRings, SqConsumerIndexOverwritten)
{
	ASSERT_TRUE(setup_rings());
	kiwi_sqe *e = next_sqe();
	memset(e, 0, sizeof(*e));
	e->wr_id = 77;
	e->opcode = KIWI_WR_SEND;
	e->flags = KIWI_SQE_SIGNALED;
	e->num_sge = 1;
	e->sge[0].addr = s_->addr(0);
	e->sge[0].length = 64;
	e->sge[0].lkey = s_->mr()->lkey;
	__atomic_store_n(&sq_.hdr->cons, 0xdeadbeefu, __ATOMIC_RELEASE);
	publish(sq_, 1);
	int rc = doorbell(c_->client.qp());
	/* either the kernel rejects the ring, or it ignores our cons and
	 * sends the one valid entry; the peer has no receive posted, so a
	 * Send that does go out errors the connection - both are fine, as
	 * long as it is contained */
	poll_n(c_->client.scq, 1, ms(3000));
	(void)rc;
	s_.reset();
	r_.reset();
	c_.reset();
	auto c = conn();
	ASSERT_TRUE(c) << "device unusable after the scribble";
	EXPECT_TRUE(marker(*c));
}

struct BadSqe {
	const char *name;
	void (*make)(kiwi_sqe *e, uint64_t addr, uint32_t lkey);
};

const BadSqe bad_sqes[] = {
	{ "OpcodeOutOfRange", [](kiwi_sqe *e, uint64_t a, uint32_t k) {
		  e->opcode = 0xee; e->num_sge = 1;
		  e->sge[0] = { a, 64, k };
	  } },
	{ "ReservedOpcodeAtomic", [](kiwi_sqe *e, uint64_t a, uint32_t k) {
		  e->opcode = KIWI_WR_ATOMIC_FA; e->num_sge = 1;
		  e->sge[0] = { a, 8, k };
	  } },
	{ "KernelOnlyOpcodeRegMr", [](kiwi_sqe *e, uint64_t a, uint32_t k) {
		  e->opcode = KIWI_WR_REG_MR; e->num_sge = 1;
		  e->sge[0] = { a, 64, k };
	  } },
	{ "TooManySges", [](kiwi_sqe *e, uint64_t a, uint32_t k) {
		  e->opcode = KIWI_WR_SEND; e->num_sge = 200;
		  e->sge[0] = { a, 64, k };
	  } },
	{ "SgeOutsideMr", [](kiwi_sqe *e, uint64_t a, uint32_t k) {
		  e->opcode = KIWI_WR_SEND; e->num_sge = 1;
		  e->sge[0] = { a + 4000, 4096, k };
	  } },
	{ "KernelAddress", [](kiwi_sqe *e, uint64_t, uint32_t k) {
		  e->opcode = KIWI_WR_SEND; e->num_sge = 1;
		  e->sge[0] = { 0xffff888000000000ull, 64, k };
	  } },
	{ "HugeLength", [](kiwi_sqe *e, uint64_t a, uint32_t k) {
		  e->opcode = KIWI_WR_SEND; e->num_sge = 2;
		  e->sge[0] = { a, 0xffffffffu, k };
		  e->sge[1] = { a, 0xffffffffu, k };
	  } },
	{ "BadLkey", [](kiwi_sqe *e, uint64_t a, uint32_t k) {
		  e->opcode = KIWI_WR_SEND; e->num_sge = 1;
		  e->sge[0] = { a, 64, k ^ 0x00ffff00u };
	  } },
	{ "InlineTooLong", [](kiwi_sqe *e, uint64_t, uint32_t) {
		  e->opcode = KIWI_WR_SEND; e->flags |= KIWI_SQE_INLINE;
		  e->inline_len = 5000;
	  } },
	{ "UnknownFlags", [](kiwi_sqe *e, uint64_t a, uint32_t k) {
		  e->opcode = KIWI_WR_SEND; e->flags = 0xf0 | KIWI_SQE_SIGNALED;
		  e->num_sge = 1;
		  e->sge[0] = { a, 64, k };
	  } },
};

class KiwiBadSqe : public KiwiRings, public ::testing::WithParamInterface<BadSqe> {};

/* One crafted, published SQ entry: it completes in error, nothing of it
 * reaches the peer, the device works on. */
TEST_P(KiwiBadSqe, CompletesInErrorAndIsContained)
{
	ASSERT_TRUE(setup_rings());
	/* a receive at the peer, so a wrongly executed Send would show */
	ASSERT_EQ(0, post_recv(c_->server.qp(), { r_->sge(1024, 1024) }, 2));
	kiwi_sqe *e = next_sqe();
	memset(e, 0, sizeof(*e));
	e->wr_id = 0xbad;
	e->flags = KIWI_SQE_SIGNALED;
	GetParam().make(e, s_->addr(0), s_->mr()->lkey);
	publish(sq_, 1);
	expect_contained(doorbell(c_->client.qp()));
}

std::string bad_name(const ::testing::TestParamInfo<BadSqe> &i)
{
	return i.param.name;
}

INSTANTIATE_TEST_SUITE_P(Kiwi, KiwiBadSqe, ::testing::ValuesIn(bad_sqes), bad_name);

/* Garbage receive entries consumed by an incoming Send: an error, no
 * write anywhere but where a valid entry would point. */
TEST_F(KiwiRings, RandomRqEntries)
{
	ASSERT_TRUE(setup_rings());
	srand(7);
	for (size_t i = 0; i < rq_.num * sizeof(kiwi_rqe); i++)
		rq_.entries[i] = static_cast<uint8_t>(rand());
	publish(rq_, rq_.num);
	Buf src(64);
	src.reg(c_->server.pd, IBV_ACCESS_LOCAL_WRITE);
	ASSERT_EQ(0, post_send(c_->server.qp(), IBV_WR_SEND, { src.sge(0, 64) }, 5));
	poll_n(c_->server.scq, 1, ms(5000));
	bool reported = false;
	for (auto &w : poll_n(c_->client.rcq, 1, ms(5000))) {
		/* the marker receive posted in setup may take the Send */
		reported |= w.status != IBV_WC_SUCCESS;
	}
	reported |= c_->client.state() == IBV_QPS_ERR;
	note(std::string("after garbage receive entries: client QP ") +
	     qp_state_str(c_->client.state()));
	EXPECT_TRUE(s_->guards_ok());
	src.dereg();
	(void)reported;
	expect_contained(1);
}

/* A CQ consumer index that makes no sense counts as a full CQ: the CQ
 * error event, no kernel write outside the ring. */
TEST_F(KiwiRings, CqConsumerIndexGarbage)
{
	ASSERT_TRUE(setup_rings());
	size_t m = AsyncEvents::get().mark();
	__atomic_store_n(&cq_.hdr->cons, cq_.hdr->prod + 0x12345u, __ATOMIC_RELEASE);
	ASSERT_EQ(0, post_recv(c_->server.qp(), { r_->sge(0, 64) }, 3));
	ASSERT_EQ(0, post_send(c_->client.qp(), IBV_WR_SEND, { s_->sge(0, 64) }, 4));
	auto ev = AsyncEvents::get().wait(
		[&](const AsyncEvent &e) {
			return e.type == IBV_EVENT_CQ_ERR && e.cq == c_->client.scq;
		},
		ms(10000), m);
	EXPECT_TRUE(ev || (cq_.hdr->flags & KIWI_RING_F_OVERFLOW))
		<< "a nonsensical CQ consumer index went unnoticed";
	/* the Send itself was valid: the peer may well have it */
	expect_contained(1, true);
}

/* The doorbell files open in this process: fd -> nothing. */
std::set<int> db_fds()
{
	std::set<int> out;
	DIR *d = opendir("/proc/self/fd");
	char buf[64];

	if (!d)
		return out;
	while (dirent *e = readdir(d)) {
		std::string p = std::string("/proc/self/fd/") + e->d_name;
		ssize_t n = readlink(p.c_str(), buf, sizeof(buf) - 1);
		if (n > 0 && std::string(buf, n) == "anon_inode:[kiwi-db]")
			out.insert(atoi(e->d_name));
	}
	closedir(d);
	return out;
}

/* write() to a doorbell file: 0 if it took all len bytes, else errno. */
int ring(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);
	if (n < 0)
		return errno;
	return n == ssize_t(len) ? 0 : EIO;
}

/*
 * A context of its own on the client device, with its doorbell file and
 * a QP that never connects (the doorbell of an idle QP does nothing).
 */
struct DbCtx {
	ibv_context *ctx = nullptr;
	ibv_pd *pd = nullptr;
	ibv_cq *cq = nullptr;
	ibv_qp *qp = nullptr;
	int fd = -1;

	bool open(const std::string &dev)
	{
		int n = 0;
		ibv_device **list = ibv_get_device_list(&n);
		auto before = db_fds();

		for (int i = 0; list && i < n && !ctx; i++)
			if (dev == ibv_get_device_name(list[i]))
				ctx = ibv_open_device(list[i]);
		if (list)
			ibv_free_device_list(list);
		if (!ctx)
			return false;
		for (int f : db_fds())
			if (!before.count(f))
				fd = f;
		pd = ibv_alloc_pd(ctx);
		cq = pd ? ibv_create_cq(ctx, 4, nullptr, nullptr, 0) : nullptr;
		if (!cq)
			return false;
		ibv_qp_init_attr a = {};
		a.send_cq = a.recv_cq = cq;
		a.qp_type = IBV_QPT_RC;
		a.cap.max_send_wr = a.cap.max_recv_wr = 4;
		a.cap.max_send_sge = a.cap.max_recv_sge = 1;
		qp = ibv_create_qp(pd, &a);
		return qp && fd >= 0;
	}

	void close()
	{
		if (qp)
			ibv_destroy_qp(qp);
		if (cq)
			ibv_destroy_cq(cq);
		if (pd)
			ibv_dealloc_pd(pd);
		if (ctx)
			ibv_close_device(ctx);
		qp = nullptr;
		cq = nullptr;
		pd = nullptr;
		ctx = nullptr;
		fd = -1;
	}

	~DbCtx() { close(); }
};

class KiwiDoorbellFile : public VerbsTest {
protected:
	void SetUp() override
	{
		if (Config::get().dev_type != "kiwi")
			GTEST_SKIP() << "kiwi's doorbell file; the client device is "
				     << Config::get().dev_type;
		VerbsTest::SetUp();
		if (getenv("KIWI_UVERBS_DOORBELL"))
			GTEST_SKIP() << "KIWI_UVERBS_DOORBELL is set: no doorbell file";
	}
};

/* Every context has one file, close-on-exec, that takes a QP number of
 * that context and nothing else. */
TEST_F(KiwiDoorbellFile, TakesOwnQpNumbersOnly)
{
	DbCtx a;
	ASSERT_TRUE(a.open(Config::get().client_dev))
		<< "context, QP or doorbell file missing: " << strerror(errno);
	EXPECT_TRUE(fcntl(a.fd, F_GETFD) & FD_CLOEXEC);
	uint32_t qpn = a.qp->qp_num;
	uint64_t wide = qpn;
	EXPECT_EQ(0, ring(a.fd, &qpn, sizeof(qpn)));
	EXPECT_EQ(EINVAL, ring(a.fd, &qpn, 3));
	EXPECT_EQ(EINVAL, ring(a.fd, &wide, sizeof(wide)));
	EXPECT_EQ(EFAULT, ring(a.fd, reinterpret_cast<void *>(8), 4));
	uint32_t none = 0xffffff;
	EXPECT_EQ(ENOENT, ring(a.fd, &none, sizeof(none)));
	char c;
	EXPECT_EQ(-1, read(a.fd, &c, 1));

	/* Another context's QP is not there for this file, and back. */
	DbCtx b;
	ASSERT_TRUE(b.open(Config::get().client_dev));
	EXPECT_NE(a.fd, b.fd);
	EXPECT_EQ(ENOENT, ring(b.fd, &qpn, sizeof(qpn)));
	uint32_t bqpn = b.qp->qp_num;
	EXPECT_EQ(ENOENT, ring(a.fd, &bqpn, sizeof(bqpn)));
	EXPECT_EQ(0, ring(b.fd, &bqpn, sizeof(bqpn)));
	/* A destroyed QP's number is gone. */
	ASSERT_EQ(0, ibv_destroy_qp(b.qp));
	b.qp = nullptr;
	EXPECT_EQ(ENOENT, ring(b.fd, &bqpn, sizeof(bqpn)));
}

/* A file that outlives its context (here dup()ed) is cut off: ENXIO, and
 * the QPs that context had are out of reach for good. */
TEST_F(KiwiDoorbellFile, OutlivesItsContext)
{
	DbCtx a;
	ASSERT_TRUE(a.open(Config::get().client_dev));
	uint32_t qpn = a.qp->qp_num;
	int own = a.fd, keep = dup(a.fd);
	ASSERT_GE(keep, 0);
	a.close();
	EXPECT_EQ(ENXIO, ring(keep, &qpn, sizeof(qpn)));
	/* The provider closed its own descriptor with the context. */
	EXPECT_EQ(0u, db_fds().count(own));
	DbCtx b;
	ASSERT_TRUE(b.open(Config::get().client_dev));
	EXPECT_EQ(ENXIO, ring(keep, &b.qp->qp_num, sizeof(b.qp->qp_num)));
	EXPECT_EQ(0, ::close(keep));
	auto c = conn();
	ASSERT_TRUE(c);
	EXPECT_TRUE(marker(*c));
}

} /* namespace */
} /* namespace kv */

// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Lifecycle: processes that die with work in flight, many QPs in one
 * process, and connection management corner cases.
 *
 * A killed process must leave nothing behind: its peer sees the
 * connection go (DISCONNECTED, flushed receives, every WR completed once),
 * the kernel's resource tracking (rdma res show) returns to what it was,
 * the driver module's reference count too, and the device keeps working.
 */
#include "child.h"
#include "res.h"
#include "suite.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kv {
namespace {

/* The suite's own binary in child mode (child.cc): "--child" and args,
 * then the status pipe's descriptor. */
class Child {
public:
	/* flood: connecting to our listener */
	explicit Child(uint16_t port)
		: Child({ "flood", Config::get().server_ip, std::to_string(port),
			  Config::get().client_ns })
	{
	}

	explicit Child(std::vector<std::string> args)
	{
		int p[2];

		if (pipe2(p, O_CLOEXEC)) {
			ADD_FAILURE() << "pipe: " << strerror(errno);
			return;
		}
		pid_ = fork();
		if (pid_ == 0) {
			int wfd = dup(p[1]);	/* without O_CLOEXEC */
			std::vector<char *> argv;

			args.insert(args.begin(), { "kiwi_verbs_test", "--child" });
			args.push_back(std::to_string(wfd));
			for (auto &a : args)
				argv.push_back(a.data());
			argv.push_back(nullptr);
			execv("/proc/self/exe", argv.data());
			_exit(127);
		}
		close(p[1]);
		rfd_ = p[0];
		if (pid_ < 0)
			ADD_FAILURE() << "fork: " << strerror(errno);
	}

	~Child()
	{
		kill_wait();
		if (rfd_ >= 0)
			close(rfd_);
	}

	pid_t pid() const { return pid_; }
	/* What the child reported last, from the letter wait_for() found. */
	const std::string &said() const { return said_; }

	/* Wait for status letter 'want'; an 'E' message fails the test. */
	::testing::AssertionResult wait_for(char want, int timeout_ms)
	{
		int waited = 0;

		while (waited < timeout_ms) {
			pollfd p = { rfd_, POLLIN, 0 };
			if (poll(&p, 1, 100) <= 0) {
				waited += 100;
				continue;
			}
			char buf[256];
			ssize_t n = read(rfd_, buf, sizeof(buf) - 1);
			if (n <= 0)
				return ::testing::AssertionFailure()
				       << "child exited before '" << want << "'";
			buf[n] = 0;
			if (strchr(buf, 'E'))
				return ::testing::AssertionFailure()
				       << "child failed: " << strchr(buf, 'E') + 1;
			if (strchr(buf, want)) {
				said_ = strchr(buf, want);
				return ::testing::AssertionSuccess();
			}
		}
		return ::testing::AssertionFailure()
		       << "child did not report '" << want << "' in " << timeout_ms << " ms";
	}

	void kill_wait()
	{
		if (pid_ <= 0)
			return;
		kill(pid_, SIGKILL);
		int st;
		waitpid(pid_, &st, 0);
		pid_ = -pid_;	/* remembered for res_owned_by() */
	}

private:
	pid_t pid_ = -1;
	int rfd_ = -1;
	std::string said_;
};

class Lifecycle : public VerbsTest {
protected:
	/* After a process died: nothing of it in restrack, counts and module
	 * references back to the baseline. */
	void expect_clean(pid_t dead, const ResCounts &res0,
			  const std::map<std::string, int> &ref0)
	{
		std::string owned;
		ResCounts res;
		std::map<std::string, int> ref;

		for (int t = 0; t < ms(30000); t += 200) {
			owned = res_owned_by(dead);
			res = res_counts();
			ref = module_refcnts();
			if (owned.empty() && res == res0 && ref == ref0)
				break;
			usleep(200000);
		}
		EXPECT_EQ("", owned) << "resources of the dead process " << dead;
		EXPECT_EQ(res_str(res0), res_str(res)) << "rdma res show counts";
		for (auto &m : ref0)
			EXPECT_EQ(m.second, ref[m.first])
				<< "/sys/module/" << m.first << "/refcnt";
	}

	void expect_device_works()
	{
		mark_ = AsyncEvents::get().mark();
		auto c = conn();
		ASSERT_TRUE(c) << "no new connection after the kill";
		ASSERT_TRUE(marker(*c));
		Buf s(65536), t(65536), r(65536);
		s.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
		r.reg(c->client.pd, IBV_ACCESS_LOCAL_WRITE);
		t.reg(c->server.pd, ACCESS_ALL);
		fill_pat(s.data(), s.size(), 900);
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_WRITE, { s.sge(0, 65536) },
				       1, IBV_SEND_SIGNALED, t.addr(0), t.mr()->rkey));
		ASSERT_EQ(0, post_send(c->client.qp(), IBV_WR_RDMA_READ, { r.sge(0, 65536) },
				       2, IBV_SEND_SIGNALED, t.addr(0), t.mr()->rkey));
		EXPECT_EQ(2u, poll_n(c->client.scq, 2, ms(10000)).size());
		EXPECT_TRUE(is_pat(r.data(), 65536, 900));
	}
};

/*
 * A child process floods RDMA Writes and Reads at our buffer while we Read
 * from its buffer and hold receives; SIGKILL it mid-stream.
 */
TEST_F(Lifecycle, ChildKilledWithWorkInFlight)
{
	expect_errors_ = true;
	const ResCounts res0 = res_counts();
	const auto ref0 = module_refcnts();
	const size_t LEN = 1 << 20, CHUNK = 65536;
	const int NRECV = 16;

	Child child(f_.port());
	std::unique_ptr<Endpoint> ep;
	Buf mine(LEN), rbuf(NRECV * 64), sink(LEN);
	BufInfo peer = {};
	QpOpts so;
	so.sq = 64;
	so.rq = NRECV;
	ep = f_.accept_one(
		so,
		[&](Endpoint &e, const CmEvent &req) {
			mine.reg(e.pd, ACCESS_ALL);
			rbuf.reg(e.pd, IBV_ACCESS_LOCAL_WRITE);
			sink.reg(e.pd, IBV_ACCESS_LOCAL_WRITE);
			if (req.pdata.size() >= sizeof(peer))
				memcpy(&peer, req.pdata.data(), sizeof(peer));
			for (int i = 0; i < NRECV; i++)
				EXPECT_EQ(0, post_recv(e.qp(), { rbuf.sge(i * 64, 64) }, 1000 + i));
			BufInfo me = { mine.addr(0), mine.mr() ? mine.mr()->rkey : 0,
				       static_cast<uint32_t>(LEN) };
			auto *p = reinterpret_cast<const uint8_t *>(&me);
			return std::vector<uint8_t>(p, p + sizeof(me));
		},
		ms(30000));
	ASSERT_TRUE(ep);
	ASSERT_TRUE(peer.rkey) << "no buffer offered by the child";
	ASSERT_TRUE(child.wait_for('C', ms(30000)));
	ASSERT_TRUE(child.wait_for('F', ms(30000)));

	/* our own Reads from the child's memory, in flight at the kill */
	int posted = 0, done = 0, failed = 0;
	std::set<uint64_t> seen;
	auto reap = [&](int timeout) {
		for (auto &w : poll_n(ep->scq, 64, timeout)) {
			if (w.wr_id >= 1000 && w.wr_id < 1000 + NRECV) {
				EXPECT_TRUE(seen.insert(w.wr_id).second) << wc_str(w);
				EXPECT_EQ(IBV_WC_WR_FLUSH_ERR, w.status)
					<< "receive: " << wc_str(w);
				continue;
			}
			EXPECT_TRUE(seen.insert(w.wr_id).second) << "twice: " << wc_str(w);
			done++;
			failed += w.status != IBV_WC_SUCCESS;
		}
	};
	auto start = std::chrono::steady_clock::now();
	while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300)) {
		while (posted - done < 16 && !failed) {
			size_t off = (posted % (LEN / CHUNK)) * CHUNK;
			ASSERT_EQ(0, post_send(ep->qp(), IBV_WR_RDMA_READ,
					       { sink.sge(off, CHUNK) }, posted,
					       IBV_SEND_SIGNALED, peer.addr + off, peer.rkey));
			posted++;
		}
		reap(0);
		usleep(1000);
	}
	pid_t pid = child.pid();
	note("killing the child with " + std::to_string(posted - done) +
	     " of our Reads in flight, " + std::to_string(posted) + " posted");
	child.kill_wait();

	CmEvent e = f_.wait(true, RDMA_CM_EVENT_DISCONNECTED, ep->id, ms(20000));
	EXPECT_FALSE(e.timed_out) << "no DISCONNECTED after the peer was killed";
	for (int t = 0; t < 20 && (done < posted || seen.size() < size_t(posted + NRECV)); t++)
		reap(ms(1000));
	EXPECT_EQ(posted, done) << "our Reads that never completed";
	EXPECT_EQ(size_t(posted + NRECV), seen.size())
		<< "every Read and every receive completes exactly once";
	EXPECT_TRUE(ep->in_state(IBV_QPS_ERR, ms(5000)));
	EXPECT_TRUE(mine.guards_ok());
	EXPECT_TRUE(sink.guards_ok());

	mine.dereg();
	rbuf.dereg();
	sink.dereg();
	ep.reset();
	expect_clean(pid, res0, ref0);
	expect_device_works();
}

/* The child is killed after its connection request reached us and before
 * we accept: the accept fails or the connection dies; nothing leaks. */
TEST_F(Lifecycle, ChildKilledWhileConnecting)
{
	expect_errors_ = true;
	const ResCounts res0 = res_counts();
	const auto ref0 = module_refcnts();
	Child child(f_.port());
	CmEvent req = f_.wait(true, RDMA_CM_EVENT_CONNECT_REQUEST, nullptr, ms(30000));
	ASSERT_FALSE(req.timed_out) << "no connection request from the child";
	pid_t pid = child.pid();
	child.kill_wait();
	usleep(200000);
	{
		Endpoint ep;
		ep.id = req.id;
		ASSERT_TRUE(ep.setup({}));
		rdma_conn_param p = {};
		p.initiator_depth = p.responder_resources = 1;
		int rc;
		{
			InNetns ns(Config::get().server_ns);
			rc = rdma_accept(ep.id, &p);
		}
		if (rc == 0) {
			CmEvent e = f_.wait(true, RDMA_CM_EVENT_DISCONNECTED, ep.id,
					    ms(30000));
			EXPECT_FALSE(e.timed_out) << "accepted a dead peer and heard "
						     "nothing more";
			note(std::string("after accepting a dead peer: ") +
			     (e.timed_out ? "-" : rdma_event_str(e.type)));
		} else {
			note(std::string("rdma_accept of a dead peer: ") + strerror(errno));
		}
	}
	expect_clean(pid, res0, ref0);
	expect_device_works();
}

/*
 * rdma_connect() and rdma_accept() name a QP not made by rdma_create_qp()
 * by its number (conn_param.qp_num), which ucma passes on unchecked.
 * Another process's QP must look like none, on either side: EINVAL, and
 * nothing sent.  Our own QPs, named the same way, connect: the refusal is
 * about whose QP it is.
 */
TEST_F(Lifecycle, OtherProcessQpRefused)
{
	const Config &c = Config::get();
	Child child({ "holdqp", c.client_dev, c.server_dev });
	unsigned theirs[2] = {};

	ASSERT_TRUE(child.wait_for('Q', ms(30000)));
	ASSERT_EQ(2, sscanf(child.said().c_str(), "Q%u %u", &theirs[0], &theirs[1]))
		<< child.said();
	if (quirk("other-process-qp", "not tried: any QP number given binds"))
		return;

	/* a QP number and no QP: librdmacm then passes p.qp_num */
	auto call = [](bool server, Endpoint &ep, unsigned qpn) {
		const Config &c = Config::get();
		InNetns ns(server ? c.server_ns : c.client_ns);
		ibv_qp *qp = ep.id->qp;
		rdma_conn_param p = {};

		p.initiator_depth = p.responder_resources = 1;
		p.qp_num = qpn;
		ep.id->qp = nullptr;
		errno = 0;
		int rc = server ? rdma_accept(ep.id, &p) : rdma_connect(ep.id, &p);
		int err = rc ? errno : 0;
		ep.id->qp = qp;
		return err;
	};

	Endpoint cl, sv;
	ASSERT_TRUE(f_.resolve(cl));
	ASSERT_TRUE(cl.setup({}));
	EXPECT_EQ(EINVAL, call(false, cl, theirs[0])) << "connect with QP " << theirs[0]
						      << " of process " << child.pid();
	ASSERT_EQ(0, call(false, cl, cl.qpn())) << "connect with our QP " << cl.qpn();

	CmEvent req = f_.wait(true, RDMA_CM_EVENT_CONNECT_REQUEST, nullptr, ms(10000));
	ASSERT_FALSE(req.timed_out) << "no connection request";
	sv.id = req.id;
	ASSERT_TRUE(sv.setup({}));
	EXPECT_EQ(EINVAL, call(true, sv, theirs[1])) << "accept with QP " << theirs[1]
						     << " of process " << child.pid();
	/* rdma_cm rejects a request whose accept failed */
	CmEvent e = f_.wait(false, RDMA_CM_EVENT_REJECTED, cl.id, ms(10000));
	EXPECT_EQ(RDMA_CM_EVENT_REJECTED, e.type)
		<< (e.timed_out ? "nothing" : rdma_event_str(e.type));

	Endpoint cl2, sv2;
	ASSERT_TRUE(f_.resolve(cl2));
	ASSERT_TRUE(cl2.setup({}));
	ASSERT_EQ(0, call(false, cl2, cl2.qpn()));
	req = f_.wait(true, RDMA_CM_EVENT_CONNECT_REQUEST, nullptr, ms(10000));
	ASSERT_FALSE(req.timed_out) << "no second connection request";
	sv2.id = req.id;
	ASSERT_TRUE(sv2.setup({}));
	ASSERT_EQ(0, call(true, sv2, sv2.qpn())) << "accept with our QP " << sv2.qpn();
	e = f_.wait(false, RDMA_CM_EVENT_ESTABLISHED, cl2.id, ms(10000));
	EXPECT_EQ(RDMA_CM_EVENT_ESTABLISHED, e.type)
		<< (e.timed_out ? "nothing" : rdma_event_str(e.type));
	e = f_.wait(true, RDMA_CM_EVENT_ESTABLISHED, sv2.id, ms(10000));
	EXPECT_EQ(RDMA_CM_EVENT_ESTABLISHED, e.type)
		<< (e.timed_out ? "nothing" : rdma_event_str(e.type));
}

/*
 * Config().many_qps QPs (default 1000) in this process: that many / 2
 * connections, each end's QPs sharing one PD and one CQ per side.  Every
 * connection carries a message, and everything is gone afterwards.
 */
TEST_F(Lifecycle, ThousandQps)
{
	int pairs = Config::get().many_qps / 2;
	/* no probe connection: siw on 6.1 runs out of mmap keys early
	 * once a context's key space has holes */
	ibv_context *cctx = cm_context(Config::get().client_dev);
	ibv_context *sctx = cm_context(Config::get().server_dev);
	ASSERT_TRUE(cctx && sctx);
	const ResCounts res0 = res_counts();	/* with both contexts open */

	struct Shared {
		ibv_pd *pd = nullptr;
		ibv_cq *cq = nullptr;
		~Shared()
		{
			if (cq)
				ibv_destroy_cq(cq);
			if (pd)
				ibv_dealloc_pd(pd);
		}
	} cs, ss;
	cs.pd = ibv_alloc_pd(cctx);
	ss.pd = ibv_alloc_pd(sctx);
	ASSERT_TRUE(cs.pd && ss.pd);
	cs.cq = ibv_create_cq(cctx, pairs + 16, nullptr, nullptr, 0);
	ss.cq = ibv_create_cq(sctx, pairs + 16, nullptr, nullptr, 0);
	ASSERT_TRUE(cs.cq && ss.cq) << "CQs of " << pairs + 16;
	{
		Buf sbuf(pairs * 8), rbuf(pairs * 8);
		sbuf.reg(cs.pd, IBV_ACCESS_LOCAL_WRITE);
		rbuf.reg(ss.pd, IBV_ACCESS_LOCAL_WRITE);
		QpOpts co, so;
		co.sq = so.sq = 4;
		co.rq = so.rq = 4;
		co.pd = cs.pd;
		co.cq = cs.cq;
		so.pd = ss.pd;
		so.cq = ss.cq;
		co.may_fail = so.may_fail = true;
		int accepted = 0;
		auto t0 = std::chrono::steady_clock::now();
		auto conns = f_.connect_many(pairs, co, so, [&](Endpoint &e) {
			/* wr_id: the slot; the payload says which client sent it */
			EXPECT_EQ(0, post_recv(e.qp(), { rbuf.sge(accepted * 8, 8) },
					       accepted));
			accepted++;
		});
		auto t1 = std::chrono::steady_clock::now();
		if (conns.size() < size_t(pairs) && conns.size() >= 50 &&
		    quirk("qp-create-limit",
			  "QP creation fails after " + std::to_string(conns.size()) +
				  " QPs per context (providers/siw: no mmap key for "
				  "the queues); testing with those"))
			pairs = static_cast<int>(conns.size());
		ASSERT_EQ(size_t(pairs), conns.size());
		note(std::to_string(2 * pairs) + " QPs connected in " +
		     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
					    t1 - t0).count()) + " ms");
		ResCounts now = res_counts();
		const Config &c = Config::get();
		EXPECT_GE(now[c.client_dev]["qp"], pairs) << res_str(now);
		EXPECT_GE(now[c.server_dev]["qp"], pairs) << res_str(now);

		std::map<uint32_t, int> by_qpn;
		for (int i = 0; i < pairs; i++)
			by_qpn[conns[i]->server.qpn()] = i;
		ASSERT_EQ(size_t(pairs), by_qpn.size()) << "server QP numbers not unique";
		for (int i = 0; i < pairs; i++) {
			uint64_t v = 0x6b69776900000000ull | i;
			memcpy(sbuf.data() + i * 8, &v, 8);
			ASSERT_EQ(0, post_send(conns[i]->client.qp(), IBV_WR_SEND,
					       { sbuf.sge(i * 8, 8) }, i));
		}
		auto swc = poll_n(cs.cq, pairs, ms(60000));
		EXPECT_EQ(size_t(pairs), swc.size());
		for (auto &w : swc)
			EXPECT_EQ(IBV_WC_SUCCESS, w.status) << wc_str(w);
		auto rwc = poll_n(ss.cq, pairs, ms(60000));
		ASSERT_EQ(size_t(pairs), rwc.size());
		std::set<int> from;
		for (auto &w : rwc) {
			ASSERT_EQ(IBV_WC_SUCCESS, w.status) << wc_str(w);
			ASSERT_TRUE(by_qpn.count(w.qp_num)) << wc_str(w);
			uint64_t v;
			memcpy(&v, rbuf.data() + w.wr_id * 8, 8);
			EXPECT_EQ(0x6b69776900000000ull | by_qpn[w.qp_num], v)
				<< "message on connection " << by_qpn[w.qp_num];
			from.insert(by_qpn[w.qp_num]);
		}
		EXPECT_EQ(size_t(pairs), from.size());
		conns.clear();
		note("torn down in " +
		     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
					    std::chrono::steady_clock::now() - t1).count()) + " ms");
	}
	EXPECT_EQ(0, ibv_destroy_cq(cs.cq));
	EXPECT_EQ(0, ibv_destroy_cq(ss.cq));
	EXPECT_EQ(0, ibv_dealloc_pd(cs.pd));
	EXPECT_EQ(0, ibv_dealloc_pd(ss.pd));
	cs.cq = ss.cq = nullptr;
	cs.pd = ss.pd = nullptr;
	ResCounts res;
	for (int t = 0; t < ms(30000); t += 200) {
		res = res_counts();
		if (res == res0)
			break;
		usleep(200000);
	}
	EXPECT_EQ(res_str(res0), res_str(res)) << "rdma res show after teardown";
}

class Cm : public VerbsTest {};

/*
 * rdma_listen() and rdma_connect() called from a thread in another
 * network namespace than the cm_id's: the socket belongs to the cm_id's
 * namespace, so listening and connecting work all the same.
 */
TEST_F(Cm, ListenAndConnectFromOtherNamespace)
{
	Fabric g(false);
	g.cm_calls_in_caller_ns(true);
	int rc = g.listen(0);
	if (rc && quirk("socket-in-caller-netns",
			std::string("rdma_listen from another namespace: ") +
				strerror(rc) +
				"; the driver binds in the caller's namespace, "
				"not the cm_id's"))
		return;
	ASSERT_EQ(0, rc) << strerror(rc);
	auto c = g.connect();
	ASSERT_TRUE(c) << "rdma_connect/rdma_accept from another namespace";
	EXPECT_TRUE(marker(*c));
}

/* Both QPs report IBV_EVENT_COMM_EST once the connection is up. */
TEST_F(Cm, CommunicationEstablishedEvent)
{
	auto c = conn();
	ASSERT_TRUE(c);
	for (Endpoint *e : { &c->client, &c->server }) {
		bool got = AsyncEvents::get()
				   .wait_qp(e->ctx(), e->qpn(), { IBV_EVENT_COMM_EST },
					    quirk_listed("no-comm-est") ? ms(1000)
									: ms(5000),
					    mark_)
				   .has_value();
		if (!got && quirk("no-comm-est",
				  "no IBV_EVENT_COMM_EST when the QP reaches RTS"))
			continue;
		EXPECT_TRUE(got) << (e == &c->client ? "client" : "server")
				 << ": no IBV_EVENT_COMM_EST";
	}
	EXPECT_TRUE(marker(*c));
}

/* Connecting to a port nobody listens on fails promptly with an event. */
TEST_F(Cm, ConnectWithoutListenerIsRefused)
{
	Endpoint cl;
	uint16_t port = f_.port() ^ 0x4000;
	ASSERT_TRUE(f_.resolve(cl, port));
	ASSERT_TRUE(cl.setup({}));
	rdma_conn_param p = {};
	p.initiator_depth = p.responder_resources = 1;
	int rc;
	{
		InNetns ns(Config::get().client_ns);
		rc = rdma_connect(cl.id, &p);
	}
	if (rc) {
		/* refused synchronously: as good as an event */
		EXPECT_EQ(ECONNREFUSED, errno) << strerror(errno);
		note(std::string("rdma_connect to a closed port: ") + strerror(errno));
		return;
	}
	CmEvent e = f_.wait(false, RDMA_CM_EVENT_ESTABLISHED, cl.id, ms(30000));
	ASSERT_FALSE(e.timed_out) << "no event for a connection to a closed port";
	EXPECT_NE(RDMA_CM_EVENT_ESTABLISHED, e.type);
	note(std::string("connect to a closed port: ") + rdma_event_str(e.type) +
	     " status " + std::to_string(e.status));
}

/* iWARP shares the TCP port space: listening on a port a TCP socket
 * holds fails with EADDRINUSE, and so does TCP after rdma_listen. */
TEST_F(Cm, SharesTcpPortSpace)
{
	const Config &c = Config::get();
	int s;
	sockaddr_in a = {};
	socklen_t al = sizeof(a);
	{
		InNetns ns(c.server_ns);
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	ASSERT_GE(s, 0);
	a.sin_family = AF_INET;
	inet_pton(AF_INET, c.server_ip.c_str(), &a.sin_addr);
	ASSERT_EQ(0, bind(s, reinterpret_cast<sockaddr *>(&a), sizeof(a))) << strerror(errno);
	ASSERT_EQ(0, listen(s, 4));
	ASSERT_EQ(0, getsockname(s, reinterpret_cast<sockaddr *>(&a), &al));
	uint16_t port = ntohs(a.sin_port);

	Fabric g(false);
	int rc = g.listen(port);
	EXPECT_EQ(EADDRINUSE, rc) << "rdma_listen on TCP port " << port
				  << " held by a TCP listener: " << strerror(rc);
	close(s);

	/* and the other way round: the fixture's rdma listener's port */
	{
		InNetns ns(c.server_ns);
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	ASSERT_GE(s, 0);
	a.sin_port = htons(f_.port());
	errno = 0;
	EXPECT_NE(0, bind(s, reinterpret_cast<sockaddr *>(&a), sizeof(a)))
		<< "TCP bind to the port of an iWARP listener succeeded";
	EXPECT_EQ(EADDRINUSE, errno);
	close(s);
}

/*
 * The residual window of the shared port space (Documentation/port-space.rst):
 * rdma_bind_addr() takes a port in rdma_cm's own table only.  The driver
 * makes its TCP socket at rdma_listen(), so until then a TCP socket can
 * take the same port, and the listen then fails with EADDRINUSE (never a
 * listener that silently shares the port).  If this test fails on its
 * first check, the window has been closed and the documentation is stale.
 */
TEST_F(Cm, BindWithoutListenLeavesPortToTcp)
{
	const Config &c = Config::get();
	rdma_cm_id *id = nullptr;
	sockaddr_in a = inaddr(c.server_ip, 0);
	{
		InNetns ns(c.server_ns);
		ASSERT_EQ(0, rdma_create_id(f_.channel(true), &id, nullptr, RDMA_PS_TCP))
			<< strerror(errno);
	}
	ASSERT_EQ(0, rdma_bind_addr(id, reinterpret_cast<sockaddr *>(&a)))
		<< strerror(errno);
	uint16_t port = ntohs(rdma_get_src_port(id));
	ASSERT_NE(0, port);

	int s;
	{
		InNetns ns(c.server_ns);
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	ASSERT_GE(s, 0);
	a.sin_port = htons(port);
	EXPECT_EQ(0, bind(s, reinterpret_cast<sockaddr *>(&a), sizeof(a)))
		<< "TCP bind to port " << port << " held by rdma_bind_addr: "
		<< strerror(errno) << " (window closed? update port-space.rst)";
	EXPECT_EQ(0, listen(s, 4)) << strerror(errno);

	errno = 0;
	int rc;
	{
		InNetns ns(c.server_ns);
		rc = rdma_listen(id, 4);
	}
	EXPECT_NE(0, rc) << "rdma_listen on port " << port
			 << " while a TCP listener holds it";
	EXPECT_EQ(EADDRINUSE, errno) << strerror(errno);
	note("rdma_bind_addr held port " + std::to_string(port) +
	     "; TCP took it, then rdma_listen: " + strerror(errno));
	close(s);
	rdma_destroy_id(id);
}

/*
 * Wildcard listens on one port for IPv4 and, with RDMA_OPTION_ID_AFONLY,
 * for IPv6 only, as nfsd makes them: rdma_cm allows the pair, so the
 * driver's TCP listeners must not collide (an IPv6 socket that also
 * served IPv4 would find the port taken).  TCP still cannot take the
 * port in either family.
 */
TEST_F(Cm, Ipv6OnlyWildcardBesideIpv4)
{
	const Config &c = Config::get();
	rdma_cm_id *id4 = nullptr, *id6 = nullptr;
	sockaddr_in a4 = inaddr("0.0.0.0", 0);
	sockaddr_in6 a6 = {};
	int one = 1;
	{
		InNetns ns(c.server_ns);
		ASSERT_EQ(0, rdma_create_id(f_.channel(true), &id4, nullptr, RDMA_PS_TCP))
			<< strerror(errno);
		ASSERT_EQ(0, rdma_create_id(f_.channel(true), &id6, nullptr, RDMA_PS_TCP))
			<< strerror(errno);
	}
	ASSERT_EQ(0, rdma_bind_addr(id4, reinterpret_cast<sockaddr *>(&a4)))
		<< strerror(errno);
	{
		InNetns ns(c.server_ns);
		ASSERT_EQ(0, rdma_listen(id4, 4)) << strerror(errno);
	}
	uint16_t port = ntohs(rdma_get_src_port(id4));
	ASSERT_NE(0, port);

	a6.sin6_family = AF_INET6;
	a6.sin6_addr = in6addr_any;
	a6.sin6_port = htons(port);
	ASSERT_EQ(0, rdma_set_option(id6, RDMA_OPTION_ID, RDMA_OPTION_ID_AFONLY,
				     &one, sizeof(one))) << strerror(errno);
	ASSERT_EQ(0, rdma_bind_addr(id6, reinterpret_cast<sockaddr *>(&a6)))
		<< strerror(errno);
	int rc;
	{
		InNetns ns(c.server_ns);
		rc = rdma_listen(id6, 4);
	}
	EXPECT_EQ(0, rc) << "IPv6-only wildcard listen on port " << port
			 << " beside an IPv4 one: " << strerror(errno);

	for (int fam : { AF_INET, AF_INET6 }) {
		int s;
		{
			InNetns ns(c.server_ns);
			s = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
		}
		ASSERT_GE(s, 0) << strerror(errno);
		if (fam == AF_INET6) {
			ASSERT_EQ(0, setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
						sizeof(one)));
		}
		sockaddr_in b4 = inaddr("0.0.0.0", port);
		sockaddr_in6 b6 = a6;
		errno = 0;
		rc = fam == AF_INET ?
			bind(s, reinterpret_cast<sockaddr *>(&b4), sizeof(b4)) :
			bind(s, reinterpret_cast<sockaddr *>(&b6), sizeof(b6));
		EXPECT_NE(0, rc) << "TCP bind to port " << port << " (family "
				 << fam << ") beside the iWARP listeners";
		EXPECT_EQ(EADDRINUSE, errno) << strerror(errno);
		close(s);
	}
	rdma_destroy_id(id6);
	rdma_destroy_id(id4);
}

/*
 * A kiwi module parameter set for one test and restored afterwards.
 * ok() is false where the parameter does not exist (no kiwi module).
 */
class ModParam {
public:
	ModParam(const std::string &name, const std::string &val)
		: path_("/sys/module/kiwi/parameters/" + name)
	{
		old_ = read();
		if (!old_.empty())
			ok_ = write(val);
	}
	~ModParam()
	{
		if (ok_)
			write(old_);
	}
	ModParam(const ModParam &) = delete;
	ModParam &operator=(const ModParam &) = delete;
	bool ok() const { return ok_; }

private:
	std::string read() const
	{
		char b[64] = {};
		int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return "";
		ssize_t n = ::read(fd, b, sizeof(b) - 1);
		close(fd);
		std::string v(b, n > 0 ? n : 0);
		while (!v.empty() && v.back() == '\n')
			v.pop_back();
		return v;
	}
	bool write(const std::string &v) const
	{
		int fd = open(path_.c_str(), O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		bool done = ::write(fd, v.data(), v.size()) == ssize_t(v.size());
		close(fd);
		return done;
	}

	std::string path_, old_;
	bool ok_ = false;
};

/*
 * A plain TCP connection from the client namespace to the server's
 * address and @port, for a hand-made MPA peer; -1 after ADD_FAILURE.
 */
int raw_connect(uint16_t port)
{
	const Config &c = Config::get();
	int s;
	{
		InNetns ns(c.client_ns);
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (s < 0) {
		ADD_FAILURE() << "socket: " << strerror(errno);
		return -1;
	}
	sockaddr_in a = inaddr(c.server_ip, port);
	if (::connect(s, reinterpret_cast<sockaddr *>(&a), sizeof(a))) {
		ADD_FAILURE() << "connect: " << strerror(errno);
		close(s);
		return -1;
	}
	return s;
}

/*
 * A hand-made peer whose markers kiwi asked for (mpa_markers=2).  It
 * sends an MPA revision 1 request without M, C or private data, reads
 * the reply, which must carry M, and then a Send of 600 bytes as its
 * first FPDU: markers sit at stream positions 0 (FPDUPTR 0, before the
 * ULPDU_Length) and 512, where FPDUPTR is 508, the distance back to the
 * ULPDU_Length at position 4 (RFC 5044 section 5).  With the right
 * pointer kiwi must deliver the Send intact; with a wrong one it must
 * answer with a TERMINATE, layer LLP and code 0x03, "Marker and ULPDU
 * Length field mismatch" (RFC 5044 section 8; RFC 5040 section 7.1), and
 * close.  All of it is encoded here by hand, independent of kiwi's wire
 * library.
 */
void raw_marker_peer(Fabric &f, bool good)
{
	const size_t LEN = 600;
	int s = raw_connect(f.port());
	ASSERT_GE(s, 0);
	timeval tv = { ms(20000) / 1000, 0 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint8_t req[20] = {};
	memcpy(req, "MPA ID Req Frame", 16);
	req[17] = 1;		/* revision 1, no flags, no private data */
	ASSERT_EQ(ssize_t(sizeof(req)), write(s, req, sizeof(req)));

	std::unique_ptr<Endpoint> ep;	/* outlives rbuf's MR */
	Buf rbuf(4096);
	ep = f.accept_one(
		QpOpts{},
		[&](Endpoint &e, const CmEvent &) {
			rbuf.reg(e.pd, IBV_ACCESS_LOCAL_WRITE);
			EXPECT_EQ(0, post_recv(e.qp(), { rbuf.sge(0, 4096) }, 7));
			return std::vector<uint8_t>();
		},
		ms(30000));
	ASSERT_TRUE(ep);
	auto read_all = [&](uint8_t *p, size_t n) {
		size_t got = 0;
		while (got < n) {
			ssize_t r = read(s, p + got, n - got);
			if (r <= 0)
				break;
			got += r;
		}
		return got;
	};
	uint8_t rep[20];
	ASSERT_EQ(sizeof(rep), read_all(rep, sizeof(rep)));
	EXPECT_EQ(0, memcmp(rep, "MPA ID Rep Frame", 16));
	ASSERT_TRUE(rep[16] & 0x80) << "kiwi with mpa_markers=2 did not ask for markers";
	ASSERT_FALSE(rep[16] & 0x20) << "rejected";

	/* ULPDU: the untagged DDP/RDMAP header and the payload */
	std::vector<uint8_t> ulpdu = {
		0x41,			/* DDP: untagged, Last, version 1 */
		0x43,			/* RDMAP: version 1, Send */
		0, 0, 0, 0,		/* reserved (Invalidate STag) */
		0, 0, 0, 0,		/* queue 0 */
		0, 0, 0, 1,		/* MSN 1 */
		0, 0, 0, 0,		/* MO 0 */
	};
	for (size_t i = 0; i < LEN; i++)
		ulpdu.push_back(pat(31, i));
	std::vector<uint8_t> fpdu = { uint8_t(ulpdu.size() >> 8), uint8_t(ulpdu.size()) };
	fpdu.insert(fpdu.end(), ulpdu.begin(), ulpdu.end());
	while (fpdu.size() % 4)
		fpdu.push_back(0);		/* pad */
	fpdu.insert(fpdu.end(), 4, 0);		/* no CRC negotiated */
	std::vector<uint8_t> wire;
	for (size_t i = 0; i < fpdu.size(); i++) {
		if (wire.size() % 512 == 0) {
			uint16_t ptr = i == 0 ? 0 : uint16_t(wire.size() - 4);
			if (!good && i)
				ptr -= 16;
			wire.insert(wire.end(), { 0, 0, uint8_t(ptr >> 8), uint8_t(ptr) });
		}
		wire.push_back(fpdu[i]);
	}
	ASSERT_GT(wire.size(), 516u) << "the FPDU must span the second marker";
	ASSERT_EQ(ssize_t(wire.size()), write(s, wire.data(), wire.size()));

	if (good) {
		auto wc = poll_one(ep->rcq, ms(10000));
		ASSERT_TRUE(wc) << "the Send with markers never arrived";
		EXPECT_EQ(IBV_WC_SUCCESS, wc->status) << wc_str(*wc);
		EXPECT_EQ(LEN, wc->byte_len);
		EXPECT_TRUE(is_pat(rbuf.data(), LEN, 31));
		EXPECT_EQ(IBV_QPS_RTS, ep->state());
	} else {
		/* a TERMINATE: no markers towards us, we did not ask */
		uint8_t t[2 + 18 + 2];
		ASSERT_EQ(sizeof(t), read_all(t, sizeof(t))) << "no TERMINATE";
		EXPECT_EQ(0x07, t[3] & 0x0f) << "RDMAP opcode of the first FPDU";
		EXPECT_EQ(0x2, t[20] >> 4) << "Terminate layer (2: LLP)";
		EXPECT_EQ(0x03, t[21]) << "Terminate error code";
		uint8_t rest[256];
		size_t more = 0;
		for (;;) {
			ssize_t r = read(s, rest, sizeof(rest));
			if (r <= 0) {
				EXPECT_EQ(0, r) << "no close after the TERMINATE: "
						<< strerror(errno);
				break;
			}
			more += r;
		}
		EXPECT_LT(more, sizeof(rest)) << "kept sending after its TERMINATE";
		EXPECT_TRUE(ep->in_state(IBV_QPS_ERR, ms(10000)));
		auto wc = poll_one(ep->rcq, ms(10000));
		ASSERT_TRUE(wc) << "the receive was not flushed";
		/* placed up to the bad marker perhaps, but never delivered */
		EXPECT_NE(IBV_WC_SUCCESS, wc->status) << wc_str(*wc);
	}
	EXPECT_TRUE(rbuf.guards_ok());
	close(s);
}

TEST_F(Cm, MarkersFromPeerAreRemoved)
{
	if (Config::get().peer_type != "kiwi")
		GTEST_SKIP() << "needs kiwi as the server (mpa_markers)";
	ModParam want("mpa_markers", "2");
	ASSERT_TRUE(want.ok());
	raw_marker_peer(f_, true);
}

TEST_F(Cm, BadMarkerIsTerminated)
{
	if (Config::get().peer_type != "kiwi")
		GTEST_SKIP() << "needs kiwi as the server (mpa_markers)";
	expect_errors_ = true;
	ModParam want("mpa_markers", "2");
	ASSERT_TRUE(want.ok());
	raw_marker_peer(f_, false);
}

/*
 * A peer asking for MPA markers (RFC 5044 section 7.1, the M bit of the
 * request) is refused with an MPA reply that has the Rej bit set, or at
 * least a closed connection, by siw, which has no markers, and by kiwi
 * with mpa_markers=0.  (By default kiwi inserts markers for a peer that
 * asks; the interop matrix runs that, tests/vm/lib-matrix.sh.)  The
 * request is written by
 * hand, independent of kiwi's wire library: "MPA ID Req Frame", then
 * M|C|R|Res, revision 1 and no private data.  The listener must carry on
 * serving ordinary connections.
 */
TEST_F(Cm, MarkersRefused)
{
	ModParam refuse("mpa_markers", "0");
	int s = raw_connect(f_.port());
	ASSERT_GE(s, 0);
	static const char key[] = "MPA ID Req Frame";
	uint8_t req[20];
	memcpy(req, key, 16);
	req[16] = 0x80;	/* M: markers wanted */
	req[17] = 1;	/* revision 1 */
	req[18] = req[19] = 0;
	ASSERT_EQ(ssize_t(sizeof(req)), write(s, req, sizeof(req)));

	uint8_t rep[20];
	size_t got = 0;
	bool closed = false;
	for (int waited = 0; got < sizeof(rep) && waited < ms(20000);) {
		pollfd p = { s, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		ssize_t n = read(s, rep + got, sizeof(rep) - got);
		if (n <= 0) {
			closed = true;
			break;
		}
		got += n;
	}
	ASSERT_TRUE(closed || got == sizeof(rep))
		<< "no reply and no close 20 s after a request for markers";
	if (got == sizeof(rep)) {
		EXPECT_EQ(0, memcmp(rep, "MPA ID Rep Frame", 16));
		EXPECT_TRUE(rep[16] & 0x20) << "the reply accepts markers";
		note("markers refused with an MPA reject reply");
	} else {
		note("markers refused by closing the connection");
	}
	close(s);
	CmEvent e = f_.wait(true, RDMA_CM_EVENT_CONNECT_REQUEST, nullptr, ms(500));
	EXPECT_TRUE(e.timed_out) << "the refused request reached the listener";

	auto conn = f_.connect();
	ASSERT_TRUE(conn) << "the listener after refusing markers";
	EXPECT_TRUE(marker(*conn));
}

/*
 * The passive side sends first, right after ESTABLISHED, as perftest's
 * ib_write_lat server does.  RFC 5044 has the MPA responder hold its
 * FPDUs until the initiator's first one arrives, and an RFC 6581 RTR
 * message makes sure one does.  Without RTR (siw never offers it, or
 * mpa_p2p=0) kiwi's responder sends at once unless mpa_resp_wait asks
 * for RFC 5044's wait; then the Send must stay held until the client
 * has sent, and go out after that.  The server side must be kiwi.
 */
enum class FirstMode { rtr, no_rtr, resp_wait };

class ResponderFirst : public VerbsTest,
		       public ::testing::WithParamInterface<FirstMode> {};

TEST_P(ResponderFirst, SendArrives)
{
	const Config &c = Config::get();
	FirstMode m = GetParam();
	if (c.peer_type != "kiwi")
		GTEST_SKIP() << "the server side is " << c.peer_type;
	if (m == FirstMode::rtr && c.dev_type != "kiwi")
		GTEST_SKIP() << c.dev_type << " does not send RTR";
	ModParam p2p("mpa_p2p", m == FirstMode::rtr ? "1" : "0");
	ModParam wait("mpa_resp_wait", m == FirstMode::resp_wait ? "1" : "0");
	ASSERT_TRUE(p2p.ok() && wait.ok()) << "kiwi's module parameters";

	std::unique_ptr<Conn> conn;	/* outlives the MRs */
	Buf cs(8), cr(8), ss(8), sr(8);
	QpOpts o;
	o.split_cq = true;
	conn = f_.connect(o, o, [&](Conn &k) {
		cr.reg(k.client.pd, IBV_ACCESS_LOCAL_WRITE);
		sr.reg(k.server.pd, IBV_ACCESS_LOCAL_WRITE);
		ASSERT_EQ(0, post_recv(k.client.qp(), { cr.sge(0, 8) }, 1));
		ASSERT_EQ(0, post_recv(k.server.qp(), { sr.sge(0, 8) }, 2));
	});
	ASSERT_TRUE(conn);
	cs.reg(conn->client.pd, IBV_ACCESS_LOCAL_WRITE);
	ss.reg(conn->server.pd, IBV_ACCESS_LOCAL_WRITE);
	fill_pat(ss.data(), 8, 7);
	fill_pat(cs.data(), 8, 9);
	ASSERT_EQ(0, post_send(conn->server.qp(), IBV_WR_SEND, { ss.sge(0, 8) }, 3));

	if (m == FirstMode::resp_wait) {
		ibv_wc wc;
		usleep(ms(500) * 1000);
		EXPECT_EQ(0, ibv_poll_cq(conn->client.rcq, 1, &wc))
			<< "the responder sent before the initiator's first FPDU";
		ASSERT_EQ(0, post_send(conn->client.qp(), IBV_WR_SEND,
				       { cs.sge(0, 8) }, 4));
		EXPECT_TRUE(expect_wc(conn->client.scq, 4, IBV_WC_SEND));
		EXPECT_TRUE(expect_wc(conn->server.rcq, 2, IBV_WC_RECV));
		EXPECT_TRUE(is_pat(sr.data(), 8, 9));
	}
	EXPECT_TRUE(expect_wc(conn->server.scq, 3, IBV_WC_SEND));
	EXPECT_TRUE(expect_wc(conn->client.rcq, 1, IBV_WC_RECV));
	EXPECT_TRUE(is_pat(cr.data(), 8, 7));
}

INSTANTIATE_TEST_SUITE_P(Modes, ResponderFirst,
			 ::testing::Values(FirstMode::rtr, FirstMode::no_rtr,
					   FirstMode::resp_wait),
			 [](const ::testing::TestParamInfo<FirstMode> &i) {
				 switch (i.param) {
				 case FirstMode::rtr:
					 return std::string("rtr");
				 case FirstMode::no_rtr:
					 return std::string("no_rtr");
				 default:
					 return std::string("resp_wait");
				 }
			 });

/*
 * Private data in both directions, at the sizes the interop matrix uses:
 * none, one byte, 128 bytes, and the most rdma_cm carries (its length
 * is a u8).
 */
class CmPdata : public VerbsTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(CmPdata, RoundTrips)
{
	size_t n = GetParam();
	if (n > 128 && quirk("large-pdata",
			     "no connection with " + std::to_string(n) +
				     " bytes of private data (MPA revision 2)"))
		return;
	QpOpts co, so;
	for (size_t i = 0; i < n; i++) {
		co.pdata.push_back(static_cast<uint8_t>(0xc0 ^ i));
		so.pdata.push_back(static_cast<uint8_t>(0x5a + 3 * i));
	}
	auto c = f_.connect(co, so);
	ASSERT_TRUE(c);
	EXPECT_EQ(co.pdata, c->req_pdata) << "connect request's private data";
	EXPECT_EQ(so.pdata, c->rep_pdata) << "accept's private data";
	EXPECT_TRUE(marker(*c));
}

INSTANTIATE_TEST_SUITE_P(Sizes, CmPdata, ::testing::Values(0, 1, 128, 255));

} /* namespace */
} /* namespace kv */

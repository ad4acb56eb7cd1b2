// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "fabric.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace kv {

sockaddr_in inaddr(const std::string &ip, uint16_t port)
{
	sockaddr_in a = {};

	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (inet_pton(AF_INET, ip.c_str(), &a.sin_addr) != 1)
		ADD_FAILURE() << "bad IPv4 address " << ip;
	return a;
}

ibv_context *cm_context(const std::string &name)
{
	int n = 0;
	ibv_context **list = rdma_get_devices(&n);
	ibv_context *found = nullptr;

	for (int i = 0; list && i < n; i++)
		if (dev_name(list[i]) == name)
			found = list[i];
	if (list)
		rdma_free_devices(list);
	if (found)
		AsyncEvents::get().watch(found);
	return found;
}

const ibv_device_attr &dev_attr(ibv_context *ctx)
{
	static std::map<ibv_context *, ibv_device_attr> cache;
	auto it = cache.find(ctx);

	if (it != cache.end())
		return it->second;
	ibv_device_attr a = {};
	if (ibv_query_device(ctx, &a))
		ADD_FAILURE() << "ibv_query_device: " << strerror(errno);
	return cache[ctx] = a;
}

bool Endpoint::setup(const QpOpts &o)
{
	ibv_context *c = ctx();

	AsyncEvents::get().watch(c);
	if (o.pd) {
		pd = o.pd;
	} else {
		pd = ibv_alloc_pd(c);
		if (!pd) {
			ADD_FAILURE() << "ibv_alloc_pd: " << strerror(errno);
			return false;
		}
		own_pd = true;
	}
	if (o.cq) {
		scq = rcq = o.cq;
	} else {
		if (o.comp_channel) {
			ch = ibv_create_comp_channel(c);
			if (!ch) {
				ADD_FAILURE() << "ibv_create_comp_channel: "
					      << strerror(errno);
				return false;
			}
		}
		own_cq = true;
		auto make_cq = [&](ibv_cq_ex **ex) -> ibv_cq * {
			if (!o.cq_ex)
				return ibv_create_cq(c, o.cq_size, nullptr, ch, 0);
			ibv_cq_init_attr_ex ca = {};
			ca.cqe = o.cq_size;
			ca.channel = ch;
			ca.wc_flags = IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_QP_NUM;
			*ex = ibv_create_cq_ex(c, &ca);
			return *ex ? ibv_cq_ex_to_cq(*ex) : nullptr;
		};
		scq = make_cq(&scq_ex);
		if (!scq && o.may_fail) {
			create_failed = true;
			return false;
		}
		if (!scq) {
			ADD_FAILURE() << (o.cq_ex ? "ibv_create_cq_ex(" : "ibv_create_cq(")
				      << o.cq_size << "): " << strerror(errno);
			return false;
		}
		rcq = scq;
		rcq_ex = scq_ex;
		if (o.split_cq) {
			rcq = make_cq(&rcq_ex);
			if (!rcq) {
				ADD_FAILURE() << "ibv_create_cq: " << strerror(errno);
				return false;
			}
		}
	}

	ibv_qp_init_attr a = {};

	a.send_cq = scq;
	a.recv_cq = rcq;
	a.srq = o.srq;
	a.qp_type = IBV_QPT_RC;
	a.sq_sig_all = o.sig_all;
	a.cap.max_send_wr = o.sq;
	a.cap.max_recv_wr = o.srq ? 0 : o.rq;
	a.cap.max_send_sge = o.send_sge;
	a.cap.max_recv_sge = o.srq ? 0 : o.recv_sge;
	a.cap.max_inline_data = o.inline_data;
	errno = 0;	/* some providers fail without setting it */
	if (o.send_ops) {
		ibv_qp_init_attr_ex x = {};
		x.qp_context = a.qp_context;
		x.send_cq = a.send_cq;
		x.recv_cq = a.recv_cq;
		x.srq = a.srq;
		x.cap = a.cap;
		x.qp_type = a.qp_type;
		x.sq_sig_all = a.sq_sig_all;
		x.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
		x.pd = pd;
		x.send_ops_flags = o.send_ops;
		if (rdma_create_qp_ex(id, &x)) {
			create_failed = true;
			if (!o.may_fail)
				ADD_FAILURE() << "rdma_create_qp_ex: " << strerror(errno);
			return false;
		}
		cap = x.cap;
		qpx = ibv_qp_to_qp_ex(id->qp);
		return true;
	}
	if (rdma_create_qp(id, pd, &a)) {
		create_failed = true;
		if (o.may_fail)
			return false;
		ADD_FAILURE() << "rdma_create_qp(sq " << o.sq << ", rq " << o.rq
			      << ", sge " << o.send_sge << "/" << o.recv_sge
			      << ", inline " << o.inline_data
			      << "): " << strerror(errno);
		return false;
	}
	cap = a.cap;
	return true;
}

int Endpoint::state() const
{
	ibv_qp_attr attr = {};
	ibv_qp_init_attr init = {};

	if (!qp())
		return -1;
	if (ibv_query_qp(qp(), &attr, IBV_QP_STATE, &init))
		return -1;
	return attr.qp_state;
}

::testing::AssertionResult Endpoint::in_state(int st, int timeout_ms) const
{
	int now = state();

	if (now == IBV_QPS_RESET && st != IBV_QPS_RESET &&
	    quirk("query-qp-no-state",
		  std::string("ibv_query_qp reports RESET; cannot check for ") +
			  qp_state_str(st)))
		return ::testing::AssertionSuccess();
	for (int t = 0; now != st && t < timeout_ms; t += 10) {
		usleep(10000);
		now = state();
	}
	if (now == st)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure()
	       << "QP " << qpn() << " on " << dev_name(ctx()) << " is "
	       << qp_state_str(now) << ", expected " << qp_state_str(st);
}

void Endpoint::destroy()
{
	if (id && id->qp)
		rdma_destroy_qp(id);
	if (own_cq) {
		if (rcq && rcq != scq && ibv_destroy_cq(rcq))
			ADD_FAILURE() << "ibv_destroy_cq: " << strerror(errno);
		if (scq && ibv_destroy_cq(scq))
			ADD_FAILURE() << "ibv_destroy_cq: " << strerror(errno);
	}
	scq = rcq = nullptr;
	own_cq = false;
	if (ch && ibv_destroy_comp_channel(ch))
		ADD_FAILURE() << "ibv_destroy_comp_channel: " << strerror(errno);
	ch = nullptr;
	if (own_pd && pd && ibv_dealloc_pd(pd))
		ADD_FAILURE() << "ibv_dealloc_pd: " << strerror(errno);
	pd = nullptr;
	own_pd = false;
	if (id && rdma_destroy_id(id))
		ADD_FAILURE() << "rdma_destroy_id: " << strerror(errno);
	id = nullptr;
}

Fabric::Fabric(bool listen_now)
{
	cch_ = rdma_create_event_channel();
	sch_ = rdma_create_event_channel();
	if (!cch_ || !sch_) {
		ADD_FAILURE() << "rdma_create_event_channel: " << strerror(errno);
		return;
	}
	for (auto *ch : { cch_, sch_ })
		fcntl(ch->fd, F_SETFL, fcntl(ch->fd, F_GETFL) | O_NONBLOCK);
	if (listen_now) {
		int rc = listen(0);
		if (rc)
			ADD_FAILURE() << "listening: " << strerror(rc);
	}
}

int Fabric::listen(uint16_t port)
{
	const Config &c = Config::get();
	int rc = 0;

	/*
	 * rdma_listen() and rdma_connect() run in the namespace of their side
	 * too, not only rdma_create_id(): siw creates its sockets in the
	 * caller's namespace rather than the cm_id's (the Cm.ListenFromOther-
	 * Namespace case checks what kiwi must do).
	 */
	rdma_cm_id *l = nullptr;
	{
		InNetns ns(c.server_ns);
		if (rdma_create_id(sch_, &l, nullptr, RDMA_PS_TCP))
			return errno;
	}
	InNetns ns(caller_ns_ ? "" : c.server_ns);
	sockaddr_in a = inaddr(c.server_ip, port);
	if (rdma_bind_addr(l, reinterpret_cast<sockaddr *>(&a)) ||
	    rdma_listen(l, 1024)) {
		rc = errno;
		rdma_destroy_id(l);
		return rc;
	}
	port_ = ntohs(rdma_get_src_port(l));
	listener_ = l;
	return 0;
}

Fabric::~Fabric()
{
	if (listener_)
		rdma_destroy_id(listener_);
	for (auto &s : stash_)
		s.clear();
	if (cch_)
		rdma_destroy_event_channel(cch_);
	if (sch_)
		rdma_destroy_event_channel(sch_);
}

static bool is_error_event(rdma_cm_event_type t)
{
	switch (t) {
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		return true;
	default:
		return false;
	}
}

CmEvent Fabric::wait(bool server, rdma_cm_event_type want, rdma_cm_id *id,
		     int timeout_ms)
{
	auto &stash = stash_[server];
	rdma_event_channel *ch = server ? sch_ : cch_;
	auto match = [&](const CmEvent &e) {
		if (id && e.id != id)
			return false;
		return e.type == want || (id && is_error_event(e.type));
	};

	for (auto it = stash.begin(); it != stash.end(); ++it) {
		if (match(*it)) {
			CmEvent e = *it;
			stash.erase(it);
			return e;
		}
	}
	int waited = 0;
	for (;;) {
		rdma_cm_event *ev = nullptr;

		if (rdma_get_cm_event(ch, &ev)) {
			if (errno != EAGAIN) {
				ADD_FAILURE() << "rdma_get_cm_event: " << strerror(errno);
				return {};
			}
			if (waited >= timeout_ms)
				return {};
			pollfd p = { ch->fd, POLLIN, 0 };
			poll(&p, 1, 20);
			waited += 20;
			continue;
		}
		CmEvent e;
		e.type = ev->event;
		e.status = ev->status;
		e.id = ev->id;
		e.listen_id = ev->listen_id;
		e.timed_out = false;
		if (ev->param.conn.private_data && ev->param.conn.private_data_len) {
			auto *p = static_cast<const uint8_t *>(ev->param.conn.private_data);
			e.pdata.assign(p, p + ev->param.conn.private_data_len);
		}
		rdma_ack_cm_event(ev);
		if (match(e))
			return e;
		stash.push_back(e);
	}
}

bool Fabric::resolve(Endpoint &cl, int port)
{
	const Config &c = Config::get();

	{
		InNetns ns(c.client_ns);
		if (rdma_create_id(cch_, &cl.id, nullptr, RDMA_PS_TCP)) {
			ADD_FAILURE() << "rdma_create_id: " << strerror(errno);
			return false;
		}
	}
	sockaddr_in src = inaddr(c.client_ip, 0);
	sockaddr_in dst = inaddr(c.server_ip, port >= 0 ? port : port_);
	if (rdma_resolve_addr(cl.id, reinterpret_cast<sockaddr *>(&src),
			      reinterpret_cast<sockaddr *>(&dst), ms(5000))) {
		ADD_FAILURE() << "rdma_resolve_addr: " << strerror(errno);
		return false;
	}
	CmEvent e = wait(false, RDMA_CM_EVENT_ADDR_RESOLVED, cl.id, ms(10000));
	if (e.type != RDMA_CM_EVENT_ADDR_RESOLVED || e.timed_out) {
		ADD_FAILURE() << "address resolution: "
			      << (e.timed_out ? "timed out" : rdma_event_str(e.type))
			      << " status " << e.status;
		return false;
	}
	if (rdma_resolve_route(cl.id, ms(5000))) {
		ADD_FAILURE() << "rdma_resolve_route: " << strerror(errno);
		return false;
	}
	e = wait(false, RDMA_CM_EVENT_ROUTE_RESOLVED, cl.id, ms(10000));
	if (e.type != RDMA_CM_EVENT_ROUTE_RESOLVED || e.timed_out) {
		ADD_FAILURE() << "route resolution: "
			      << (e.timed_out ? "timed out" : rdma_event_str(e.type));
		return false;
	}
	if (dev_name(cl.ctx()) != c.client_dev) {
		ADD_FAILURE() << "client resolved to device " << dev_name(cl.ctx())
			      << ", expected " << c.client_dev;
		return false;
	}
	return true;
}

static rdma_conn_param conn_param(ibv_context *ctx, int rd_atom)
{
	rdma_conn_param p = {};
	const ibv_device_attr &a = dev_attr(ctx);
	int n = rd_atom >= 0 ? rd_atom : 16;

	p.initiator_depth = static_cast<uint8_t>(std::min(n, a.max_qp_init_rd_atom));
	p.responder_resources = static_cast<uint8_t>(std::min(n, a.max_qp_rd_atom));
	p.retry_count = 7;
	p.rnr_retry_count = 7;
	return p;
}

std::unique_ptr<Conn> Fabric::connect(const QpOpts &co, const QpOpts &so,
				      const std::function<void(Conn &)> &before_accept)
{
	const Config &c = Config::get();
	auto conn = std::make_unique<Conn>();
	Endpoint &cl = conn->client, &sv = conn->server;

	if (!ok())
		return nullptr;
	if (!resolve(cl))
		return nullptr;
	if (!cl.setup(co))
		return nullptr;
	if (co.before_connect)
		co.before_connect(cl);

	rdma_conn_param cp = conn_param(cl.ctx(), co.rd_atom);
	cp.private_data = co.pdata.data();
	cp.private_data_len = static_cast<uint8_t>(co.pdata.size());
	{
		InNetns ns(caller_ns_ ? "" : c.client_ns);
		if (rdma_connect(cl.id, &cp)) {
			ADD_FAILURE() << "rdma_connect: " << strerror(errno);
			return nullptr;
		}
	}
	CmEvent e = wait(true, RDMA_CM_EVENT_CONNECT_REQUEST, nullptr, ms(10000));
	if (e.timed_out) {
		ADD_FAILURE() << "no CONNECT_REQUEST at the listener";
		return nullptr;
	}
	sv.id = e.id;
	conn->req_pdata = e.pdata;
	if (dev_name(sv.ctx()) != c.server_dev) {
		ADD_FAILURE() << "server side is device " << dev_name(sv.ctx())
			      << ", expected " << c.server_dev;
		return nullptr;
	}
	if (!sv.setup(so))
		return nullptr;
	if (before_accept)
		before_accept(*conn);

	rdma_conn_param sp = conn_param(sv.ctx(), so.rd_atom);
	sp.private_data = so.pdata.data();
	sp.private_data_len = static_cast<uint8_t>(so.pdata.size());
	{
		InNetns ns(caller_ns_ ? "" : c.server_ns);
		if (rdma_accept(sv.id, &sp)) {
			ADD_FAILURE() << "rdma_accept: " << strerror(errno);
			return nullptr;
		}
	}
	e = wait(true, RDMA_CM_EVENT_ESTABLISHED, sv.id, ms(10000));
	if (e.type != RDMA_CM_EVENT_ESTABLISHED || e.timed_out) {
		ADD_FAILURE() << "server side: "
			      << (e.timed_out ? "no ESTABLISHED" : rdma_event_str(e.type));
		return nullptr;
	}
	e = wait(false, RDMA_CM_EVENT_ESTABLISHED, cl.id, ms(10000));
	if (e.type != RDMA_CM_EVENT_ESTABLISHED || e.timed_out) {
		ADD_FAILURE() << "client side: "
			      << (e.timed_out ? "no ESTABLISHED" : rdma_event_str(e.type))
			      << " status " << e.status;
		return nullptr;
	}
	conn->rep_pdata = e.pdata;
	return conn;
}

std::unique_ptr<Endpoint>
Fabric::accept_one(const QpOpts &o,
		   const std::function<std::vector<uint8_t>(Endpoint &, const CmEvent &)>
			   &before_accept,
		   int timeout_ms)
{
	const Config &c = Config::get();
	auto ep = std::make_unique<Endpoint>();
	CmEvent e = wait(true, RDMA_CM_EVENT_CONNECT_REQUEST, nullptr, timeout_ms);

	if (e.timed_out) {
		ADD_FAILURE() << "no CONNECT_REQUEST at the listener";
		return nullptr;
	}
	ep->id = e.id;
	if (!ep->setup(o))
		return nullptr;
	std::vector<uint8_t> pdata;
	if (before_accept)
		pdata = before_accept(*ep, e);
	rdma_conn_param p = conn_param(ep->ctx(), o.rd_atom);
	p.private_data = pdata.data();
	p.private_data_len = static_cast<uint8_t>(pdata.size());
	{
		InNetns ns(caller_ns_ ? "" : c.server_ns);
		if (rdma_accept(ep->id, &p)) {
			ADD_FAILURE() << "rdma_accept: " << strerror(errno);
			return nullptr;
		}
	}
	e = wait(true, RDMA_CM_EVENT_ESTABLISHED, ep->id, timeout_ms);
	if (e.timed_out || e.type != RDMA_CM_EVENT_ESTABLISHED) {
		ADD_FAILURE() << "accepted side: "
			      << (e.timed_out ? "no ESTABLISHED" : rdma_event_str(e.type));
		return nullptr;
	}
	return ep;
}

std::vector<std::unique_ptr<Conn>>
Fabric::connect_many(int n, const QpOpts &co, const QpOpts &so,
		     const std::function<void(Endpoint &)> &before_accept)
{
	const Config &c = Config::get();
	const int BATCH = 50;
	std::vector<std::unique_ptr<Conn>> out;

	for (int base = 0; base < n; base += BATCH) {
		int m = std::min(BATCH, n - base);
		std::vector<std::unique_ptr<Conn>> b;
		sockaddr_in src = inaddr(c.client_ip, 0), dst = inaddr(c.server_ip, port_);

		for (int i = 0; i < m; i++) {
			b.push_back(std::make_unique<Conn>());
			InNetns ns(c.client_ns);
			if (rdma_create_id(cch_, &b[i]->client.id, nullptr, RDMA_PS_TCP) ||
			    rdma_resolve_addr(b[i]->client.id,
					      reinterpret_cast<sockaddr *>(&src),
					      reinterpret_cast<sockaddr *>(&dst), ms(10000))) {
				ADD_FAILURE() << "connection " << base + i
					      << ": create/resolve: " << strerror(errno);
				return out;
			}
		}
		for (int i = 0; i < m; i++) {
			CmEvent e = wait(false, RDMA_CM_EVENT_ADDR_RESOLVED,
					 b[i]->client.id, ms(20000));
			if (e.timed_out || e.type != RDMA_CM_EVENT_ADDR_RESOLVED ||
			    rdma_resolve_route(b[i]->client.id, ms(10000))) {
				ADD_FAILURE() << "connection " << base + i << ": address";
				return out;
			}
		}
		for (int i = 0; i < m; i++) {
			Endpoint &cl = b[i]->client;
			CmEvent e = wait(false, RDMA_CM_EVENT_ROUTE_RESOLVED, cl.id, ms(20000));
			if (e.timed_out || e.type != RDMA_CM_EVENT_ROUTE_RESOLVED ||
			    !cl.setup(co)) {
				if (!cl.create_failed || !co.may_fail)
					ADD_FAILURE() << "connection " << base + i
						      << ": route/QP";
				/* complete the connections already requested */
				b.resize(i);
				m = i;
				break;
			}
			uint32_t idx = base + i;
			rdma_conn_param p = conn_param(cl.ctx(), co.rd_atom);
			p.private_data = &idx;
			p.private_data_len = sizeof(idx);
			InNetns ns(c.client_ns);
			if (rdma_connect(cl.id, &p)) {
				ADD_FAILURE() << "connection " << idx << ": rdma_connect: "
					      << strerror(errno);
				return out;
			}
		}
		for (int i = 0; i < m; i++) {
			CmEvent e = wait(true, RDMA_CM_EVENT_CONNECT_REQUEST, nullptr,
					 ms(30000));
			uint32_t idx;
			if (e.timed_out || e.pdata.size() < sizeof(idx)) {
				ADD_FAILURE() << "batch at " << base << ": request " << i
					      << (e.timed_out ? " missing" : " without index");
				if (!e.timed_out)
					rdma_destroy_id(e.id);
				return out;
			}
			memcpy(&idx, e.pdata.data(), sizeof(idx));
			if (idx - base >= static_cast<uint32_t>(m)) {
				ADD_FAILURE() << "request from unknown connection " << idx;
				rdma_destroy_id(e.id);
				return out;
			}
			Endpoint &sv = b[idx - base]->server;
			sv.id = e.id;
			if (!sv.setup(so)) {
				if (!sv.create_failed || !so.may_fail)
					ADD_FAILURE() << "connection " << idx << ": server QP";
				return out;
			}
			if (before_accept)
				before_accept(sv);
			rdma_conn_param p = conn_param(sv.ctx(), so.rd_atom);
			InNetns ns(c.server_ns);
			if (rdma_accept(sv.id, &p)) {
				ADD_FAILURE() << "rdma_accept " << idx << ": " << strerror(errno);
				return out;
			}
		}
		for (int i = 0; i < m; i++) {
			for (bool server : { true, false }) {
				Endpoint &ep = server ? b[i]->server : b[i]->client;
				CmEvent e = wait(server, RDMA_CM_EVENT_ESTABLISHED, ep.id,
						 ms(30000));
				if (e.timed_out || e.type != RDMA_CM_EVENT_ESTABLISHED) {
					ADD_FAILURE() << "connection " << base + i << " "
						      << (server ? "server" : "client") << ": "
						      << (e.timed_out ? "no ESTABLISHED"
								      : rdma_event_str(e.type));
					return out;
				}
			}
		}
		for (auto &x : b)
			out.push_back(std::move(x));
		if (m < std::min(BATCH, n - base))
			break;	/* QP creation failed under may_fail */
	}
	return out;
}

::testing::AssertionResult Fabric::disconnect(Conn &c, Endpoint &from)
{
	if (rdma_disconnect(from.id))
		return ::testing::AssertionFailure()
		       << "rdma_disconnect: " << strerror(errno);
	/* the peer hears of it first, and answers with its own disconnect
	 * (as applications do) to complete the close */
	Endpoint &peer = &from == &c.client ? c.server : c.client;
	bool peer_is_server = &peer == &c.server;
	CmEvent e = wait(peer_is_server, RDMA_CM_EVENT_DISCONNECTED, peer.id, ms(15000));
	if (e.timed_out || e.type != RDMA_CM_EVENT_DISCONNECTED)
		return ::testing::AssertionFailure()
		       << "peer: " << (e.timed_out ? "no DISCONNECTED event"
						   : rdma_event_str(e.type));
	rdma_disconnect(peer.id);
	e = wait(!peer_is_server, RDMA_CM_EVENT_DISCONNECTED, from.id, ms(15000));
	if (e.timed_out || e.type != RDMA_CM_EVENT_DISCONNECTED)
		return ::testing::AssertionFailure()
		       << "disconnecting side: "
		       << (e.timed_out ? "no DISCONNECTED event" : rdma_event_str(e.type));
	return ::testing::AssertionSuccess();
}

ibv_send_wr make_wr(ibv_wr_opcode op, ibv_sge *sg, int nsge, uint64_t wr_id,
		    unsigned flags)
{
	ibv_send_wr wr = {};

	wr.wr_id = wr_id;
	wr.opcode = op;
	wr.sg_list = sg;
	wr.num_sge = nsge;
	wr.send_flags = flags;
	return wr;
}

int post_send(ibv_qp *qp, ibv_wr_opcode op, std::vector<ibv_sge> sges,
	      uint64_t wr_id, unsigned flags, uint64_t raddr, uint32_t rkey,
	      uint32_t inv_rkey)
{
	ibv_send_wr wr = make_wr(op, sges.data(), static_cast<int>(sges.size()),
				 wr_id, flags);
	ibv_send_wr *bad = nullptr;

	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	if (op == IBV_WR_SEND_WITH_INV)
		wr.invalidate_rkey = inv_rkey;
	return ibv_post_send(qp, &wr, &bad);
}

int post_recv(ibv_qp *qp, std::vector<ibv_sge> sges, uint64_t wr_id)
{
	ibv_recv_wr wr = {}, *bad = nullptr;

	wr.wr_id = wr_id;
	wr.sg_list = sges.data();
	wr.num_sge = static_cast<int>(sges.size());
	return ibv_post_recv(qp, &wr, &bad);
}

int post_srq_recv(ibv_srq *srq, std::vector<ibv_sge> sges, uint64_t wr_id)
{
	ibv_recv_wr wr = {}, *bad = nullptr;

	wr.wr_id = wr_id;
	wr.sg_list = sges.data();
	wr.num_sge = static_cast<int>(sges.size());
	return ibv_post_srq_recv(srq, &wr, &bad);
}

::testing::AssertionResult expect_wc(ibv_cq *cq, uint64_t wr_id, ibv_wc_opcode op,
				     int timeout_ms, ibv_wc *out)
{
	auto wc = poll_one(cq, timeout_ms ? timeout_ms : ms(10000));

	if (!wc)
		return ::testing::AssertionFailure()
		       << "no completion for wr_id " << wr_id;
	if (out)
		*out = *wc;
	if (wc->status != IBV_WC_SUCCESS || wc->wr_id != wr_id || wc->opcode != op)
		return ::testing::AssertionFailure()
		       << "expected wr_id=" << wr_id << " SUCCESS opcode=" << op
		       << ", got " << wc_str(*wc);
	return ::testing::AssertionSuccess();
}

} /* namespace kv */

// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi_verbs_test --child flood <server-ip> <port> <netns> <status-fd>
 *
 * Connects to the parent's listener from <netns>, offering a 1 MiB buffer
 * (address and rkey in the private data) and learning the parent's from
 * the accept.  Then it keeps its send queue full of 64 KiB RDMA Writes
 * into, and Reads from, the parent's buffer, forever; the parent kills it.
 * Progress goes to <status-fd> as single letters: C (connected), F (work
 * flowing), or E followed by a reason (then it exits).
 *
 *
 * kiwi_verbs_test --child holdqp <device>... <status-fd>
 *
 * Creates an RC QP on each ibv device named, reports "Q" and their QP
 * numbers ("Q12 7"), and sleeps until killed: QPs another process holds.
 *
 * Deliberately free of gtest and of the suite's helpers: this process has
 * to die with resources in every state, not clean up.
 */
#include "child.h"

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kv {

namespace {

int status_fd = -1;

[[noreturn]] void die(const std::string &why)
{
	std::string s = "E" + why + ": " + strerror(errno) + "\n";

	if (write(status_fd, s.data(), s.size()) < 0)
		perror("child status");
	_exit(3);
}

void say(char c)
{
	if (write(status_fd, &c, 1) != 1)
		_exit(4);
}

rdma_cm_event *expect(rdma_event_channel *ch, rdma_cm_event_type t)
{
	rdma_cm_event *ev;

	if (rdma_get_cm_event(ch, &ev))
		die("rdma_get_cm_event");
	if (ev->event != t)
		die(std::string("got ") + rdma_event_str(ev->event) + " status " +
		    std::to_string(ev->status) + ", wanted " + rdma_event_str(t));
	return ev;
}

int flood(const char *ip, int port, const char *ns)
{
	int nsfd = open((std::string("/run/netns/") + ns).c_str(), O_RDONLY);

	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET))
		die(std::string("setns ") + ns);

	rdma_event_channel *ch = rdma_create_event_channel();
	rdma_cm_id *id;
	if (!ch || rdma_create_id(ch, &id, nullptr, RDMA_PS_TCP))
		die("rdma_create_id");
	sockaddr_in dst = {};
	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	inet_pton(AF_INET, ip, &dst.sin_addr);
	if (rdma_resolve_addr(id, nullptr, reinterpret_cast<sockaddr *>(&dst), 5000))
		die("rdma_resolve_addr");
	rdma_ack_cm_event(expect(ch, RDMA_CM_EVENT_ADDR_RESOLVED));
	if (rdma_resolve_route(id, 5000))
		die("rdma_resolve_route");
	rdma_ack_cm_event(expect(ch, RDMA_CM_EVENT_ROUTE_RESOLVED));

	ibv_pd *pd = ibv_alloc_pd(id->verbs);
	ibv_cq *cq = pd ? ibv_create_cq(id->verbs, 256, nullptr, nullptr, 0) : nullptr;
	if (!cq)
		die("pd/cq");
	ibv_qp_init_attr qa = {};
	qa.send_cq = qa.recv_cq = cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = 64;
	qa.cap.max_recv_wr = 16;
	qa.cap.max_send_sge = qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(id, pd, &qa))
		die("rdma_create_qp");

	const size_t LEN = 1 << 20, CHUNK = 65536;
	void *mem = mmap(nullptr, 2 * LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	memset(mem, 0x3c, 2 * LEN);
	ibv_mr *mr = ibv_reg_mr(pd, mem, 2 * LEN,
				IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
					IBV_ACCESS_REMOTE_READ);
	if (!mr)
		die("ibv_reg_mr");

	/* some receives the parent will never fill */
	for (int i = 0; i < 16; i++) {
		ibv_sge sg = { reinterpret_cast<uintptr_t>(mem) + LEN + i * 64, 64,
			       mr->lkey };
		ibv_recv_wr wr = {}, *bad;
		wr.sg_list = &sg;
		wr.num_sge = 1;
		if (ibv_post_recv(id->qp, &wr, &bad))
			die("ibv_post_recv");
	}

	BufInfo mine = { reinterpret_cast<uintptr_t>(mem), mr->rkey,
			 static_cast<uint32_t>(LEN) };
	rdma_conn_param cp = {};
	cp.initiator_depth = cp.responder_resources = 8;
	cp.private_data = &mine;
	cp.private_data_len = sizeof(mine);
	if (rdma_connect(id, &cp))
		die("rdma_connect");
	rdma_cm_event *ev = expect(ch, RDMA_CM_EVENT_ESTABLISHED);
	BufInfo peer = {};
	if (ev->param.conn.private_data_len < sizeof(peer))
		die("no private data from the parent");
	memcpy(&peer, ev->param.conn.private_data, sizeof(peer));
	rdma_ack_cm_event(ev);
	say('C');

	long done = 0, posted = 0;
	bool flowing = false;
	for (;;) {
		while (posted - done < 32) {
			size_t off = (posted % (LEN / CHUNK)) * CHUNK;
			ibv_sge sg = { reinterpret_cast<uintptr_t>(mem) + off,
				       static_cast<uint32_t>(CHUNK), mr->lkey };
			ibv_send_wr wr = {}, *bad;
			wr.wr_id = posted;
			wr.opcode = posted % 2 ? IBV_WR_RDMA_READ : IBV_WR_RDMA_WRITE;
			wr.send_flags = IBV_SEND_SIGNALED;
			wr.sg_list = &sg;
			wr.num_sge = 1;
			wr.wr.rdma.remote_addr = peer.addr + off % peer.len;
			wr.wr.rdma.rkey = peer.rkey;
			if (ibv_post_send(id->qp, &wr, &bad))
				die("ibv_post_send");
			posted++;
		}
		ibv_wc wc[16];
		int n = ibv_poll_cq(cq, 16, wc);
		if (n < 0)
			die("ibv_poll_cq");
		for (int i = 0; i < n; i++)
			if (wc[i].status != IBV_WC_SUCCESS)
				die(std::string("completion ") +
				    ibv_wc_status_str(wc[i].status));
		done += n;
		if (!flowing && done >= 64) {
			flowing = true;
			say('F');
		}
		if (!n)
			usleep(200);
	}
}

int holdqp(char **names, int n)
{
	int ndev;
	ibv_device **list = ibv_get_device_list(&ndev);
	std::string qpns = "Q";

	if (!list)
		die("ibv_get_device_list");
	for (int i = 0; i < n; i++) {
		ibv_device *dev = nullptr;
		for (int j = 0; j < ndev && !dev; j++)
			if (!strcmp(ibv_get_device_name(list[j]), names[i]))
				dev = list[j];
		errno = ENODEV;
		ibv_context *ctx = dev ? ibv_open_device(dev) : nullptr;
		ibv_pd *pd = ctx ? ibv_alloc_pd(ctx) : nullptr;
		ibv_cq *cq = pd ? ibv_create_cq(ctx, 16, nullptr, nullptr, 0) : nullptr;
		if (!cq)
			die(std::string("open/pd/cq on ") + names[i]);
		ibv_qp_init_attr qa = {};
		qa.send_cq = qa.recv_cq = cq;
		qa.qp_type = IBV_QPT_RC;
		qa.cap.max_send_wr = qa.cap.max_recv_wr = 4;
		qa.cap.max_send_sge = qa.cap.max_recv_sge = 1;
		ibv_qp *qp = ibv_create_qp(pd, &qa);
		if (!qp)
			die(std::string("ibv_create_qp on ") + names[i]);
		qpns += (i ? " " : "") + std::to_string(qp->qp_num);
	}
	qpns += "\n";
	if (write(status_fd, qpns.data(), qpns.size()) != static_cast<ssize_t>(qpns.size()))
		_exit(4);
	for (;;)
		pause();
}

} /* namespace */

int child_main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[0], "flood")) {
		status_fd = atoi(argv[4]);
		return flood(argv[1], atoi(argv[2]), argv[3]);
	}
	if (argc >= 3 && !strcmp(argv[0], "holdqp")) {
		status_fd = atoi(argv[argc - 1]);
		return holdqp(argv + 1, argc - 2);
	}
	fprintf(stderr, "usage: --child flood <ip> <port> <netns> <status-fd>\n"
			"       --child holdqp <device>... <status-fd>\n");
	return 2;
}

} /* namespace kv */

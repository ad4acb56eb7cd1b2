// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "events.h"

#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

namespace kv {

static int64_t now_us()
{
	timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/*
 * Busy polling would starve the kernel threads that produce completions
 * on the guest's two emulated CPUs, so back off to short sleeps quickly.
 */
static void backoff(int &spins)
{
	if (++spins < 64)
		sched_yield();
	else
		usleep(spins < 1000 ? 100 : 1000);
}

std::vector<ibv_wc> poll_n(ibv_cq *cq, size_t n, int timeout_ms)
{
	std::vector<ibv_wc> out;
	int64_t end = now_us() + timeout_ms * 1000LL;
	int spins = 0;

	while (out.size() < n) {
		ibv_wc wc[16];
		int want = static_cast<int>(std::min<size_t>(16, n - out.size()));
		int got = ibv_poll_cq(cq, want, wc);

		if (got < 0) {
			ADD_FAILURE() << "ibv_poll_cq returned " << got;
			break;
		}
		if (got > 0) {
			out.insert(out.end(), wc, wc + got);
			spins = 0;
			continue;
		}
		if (now_us() > end)
			break;
		backoff(spins);
	}
	return out;
}

std::optional<ibv_wc> poll_one(ibv_cq *cq, int timeout_ms)
{
	auto v = poll_n(cq, 1, timeout_ms);

	if (v.empty())
		return std::nullopt;
	return v[0];
}

std::vector<ibv_wc> poll_quiet(ibv_cq *cq, int quiet_ms)
{
	std::vector<ibv_wc> out;
	int64_t end = now_us() + quiet_ms * 1000LL;

	while (now_us() < end) {
		ibv_wc wc[16];
		int got = ibv_poll_cq(cq, 16, wc);

		if (got > 0)
			out.insert(out.end(), wc, wc + got);
		else
			usleep(1000);
	}
	return out;
}

ibv_cq *wait_cq_event(ibv_comp_channel *ch, int timeout_ms)
{
	pollfd p = { ch->fd, POLLIN, 0 };
	int rc;

	do {
		rc = poll(&p, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc <= 0)
		return nullptr;

	ibv_cq *cq = nullptr;
	void *cq_ctx = nullptr;

	if (ibv_get_cq_event(ch, &cq, &cq_ctx)) {
		ADD_FAILURE() << "ibv_get_cq_event: " << strerror(errno);
		return nullptr;
	}
	ibv_ack_cq_events(cq, 1);
	return cq;
}

struct AsyncEvents::Impl {
	std::mutex lock;		/* protects events and threads */
	std::condition_variable cv;
	std::vector<AsyncEvent> events;
	std::map<ibv_context *, std::thread> threads;
	std::atomic<bool> stopping{ false };

	void reader(ibv_context *ctx)
	{
		int fl = fcntl(ctx->async_fd, F_GETFL);

		fcntl(ctx->async_fd, F_SETFL, fl | O_NONBLOCK);
		while (!stopping) {
			pollfd p = { ctx->async_fd, POLLIN, 0 };

			if (poll(&p, 1, 50) <= 0)
				continue;

			ibv_async_event ev;

			if (ibv_get_async_event(ctx, &ev))
				continue;

			AsyncEvent e = {};

			e.ctx = ctx;
			e.type = ev.event_type;
			e.t_us = now_us();
			switch (ev.event_type) {
			case IBV_EVENT_CQ_ERR:
				e.cq = ev.element.cq;
				break;
			case IBV_EVENT_SRQ_ERR:
			case IBV_EVENT_SRQ_LIMIT_REACHED:
				e.srq = ev.element.srq;
				break;
			case IBV_EVENT_DEVICE_FATAL:
			case IBV_EVENT_PORT_ACTIVE:
			case IBV_EVENT_PORT_ERR:
			case IBV_EVENT_LID_CHANGE:
			case IBV_EVENT_PKEY_CHANGE:
			case IBV_EVENT_SM_CHANGE:
			case IBV_EVENT_CLIENT_REREGISTER:
			case IBV_EVENT_GID_CHANGE:
				break;
			default:
				/* read before the ack lets a destroy finish */
				e.is_qp = true;
				e.qp_num = ev.element.qp->qp_num;
				break;
			}
			ibv_ack_async_event(&ev);
			{
				std::lock_guard<std::mutex> g(lock);
				events.push_back(e);
			}
			cv.notify_all();
		}
	}
};

AsyncEvents &AsyncEvents::get()
{
	static AsyncEvents a;
	return a;
}

AsyncEvents::Impl *AsyncEvents::impl()
{
	static Impl i;
	return &i;
}

void AsyncEvents::watch(ibv_context *ctx)
{
	Impl *m = impl();
	std::lock_guard<std::mutex> g(m->lock);

	if (m->threads.count(ctx))
		return;
	m->threads.emplace(ctx, std::thread([m, ctx] { m->reader(ctx); }));
}

size_t AsyncEvents::mark()
{
	std::lock_guard<std::mutex> g(impl()->lock);
	return impl()->events.size();
}

std::vector<AsyncEvent> AsyncEvents::since(size_t since)
{
	std::lock_guard<std::mutex> g(impl()->lock);
	auto &ev = impl()->events;

	if (since >= ev.size())
		return {};
	return std::vector<AsyncEvent>(ev.begin() + since, ev.end());
}

std::optional<AsyncEvent>
AsyncEvents::wait(const std::function<bool(const AsyncEvent &)> &pred,
		  int timeout_ms, size_t since)
{
	Impl *m = impl();
	std::unique_lock<std::mutex> g(m->lock);
	auto deadline = std::chrono::steady_clock::now() +
			std::chrono::milliseconds(timeout_ms);

	for (;;) {
		for (size_t i = since; i < m->events.size(); i++)
			if (pred(m->events[i]))
				return m->events[i];
		since = m->events.size();
		if (m->cv.wait_until(g, deadline) == std::cv_status::timeout) {
			for (size_t i = since; i < m->events.size(); i++)
				if (pred(m->events[i]))
					return m->events[i];
			return std::nullopt;
		}
	}
}

std::optional<AsyncEvent>
AsyncEvents::wait_qp(ibv_context *ctx, uint32_t qp_num,
		     std::initializer_list<ibv_event_type> types,
		     int timeout_ms, size_t since)
{
	std::vector<ibv_event_type> t(types);

	return wait(
		[&](const AsyncEvent &e) {
			/* QP numbers are per device: both ends may be QP 1 */
			if (!e.is_qp || e.ctx != ctx || e.qp_num != qp_num)
				return false;
			for (auto x : t)
				if (e.type == x)
					return true;
			return false;
		},
		timeout_ms, since);
}

void AsyncEvents::stop()
{
	Impl *m = impl();

	m->stopping = true;
	std::map<ibv_context *, std::thread> threads;
	{
		std::lock_guard<std::mutex> g(m->lock);
		threads.swap(m->threads);
	}
	for (auto &t : threads)
		t.second.join();
}

std::string async_str(const AsyncEvent &e)
{
	std::string s = std::string(event_str(e.type)) + " on " + dev_name(e.ctx);

	if (e.cq)
		s += " (CQ)";
	else if (e.srq)
		s += " (SRQ)";
	else if (e.is_qp)
		s += " (QP " + std::to_string(e.qp_num) + ")";
	return s;
}

} /* namespace kv */

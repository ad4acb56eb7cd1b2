/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Completions and events: polling a CQ with a deadline, waiting on a
 * completion channel, and a recorder of asynchronous events.
 *
 * Async events are read by one thread per ibv_context, which copies what
 * it needs (type and QP number, CQ or SRQ pointer) and acknowledges each
 * event at once: libibverbs' destroy calls wait for every reported event
 * to be acknowledged, so a test that forgot one would hang in teardown.
 */
#ifndef KIWI_VERBS_EVENTS_H
#define KIWI_VERBS_EVENTS_H

#include "common.h"

#include <functional>
#include <optional>
#include <vector>

namespace kv {

/* Poll until n completions have arrived or timeout_ms passed; returns what
 * arrived (check the size). */
std::vector<ibv_wc> poll_n(ibv_cq *cq, size_t n, int timeout_ms);
/* Poll for exactly one completion. */
std::optional<ibv_wc> poll_one(ibv_cq *cq, int timeout_ms);
/* Poll for quiet_ms and return every completion that arrived. */
std::vector<ibv_wc> poll_quiet(ibv_cq *cq, int quiet_ms);

/* Wait for a completion event on ch; returns the CQ it names, acked. */
ibv_cq *wait_cq_event(ibv_comp_channel *ch, int timeout_ms);

struct AsyncEvent {
	ibv_context *ctx;
	ibv_event_type type;
	bool is_qp;		/* a QP-affiliated event */
	uint32_t qp_num;	/* QP events */
	ibv_cq *cq;		/* CQ events */
	ibv_srq *srq;		/* SRQ events */
	int64_t t_us;		/* CLOCK_MONOTONIC */
};

class AsyncEvents {
public:
	static AsyncEvents &get();

	/* Start recording events of ctx (idempotent). */
	void watch(ibv_context *ctx);
	/* Wait for an event matching pred that arrived after 'since'
	 * (an index from mark()). */
	std::optional<AsyncEvent>
	wait(const std::function<bool(const AsyncEvent &)> &pred, int timeout_ms,
	     size_t since = 0);
	std::optional<AsyncEvent> wait_qp(ibv_context *ctx, uint32_t qp_num,
					  std::initializer_list<ibv_event_type> types,
					  int timeout_ms, size_t since = 0);
	/* Every event recorded after 'since'. */
	std::vector<AsyncEvent> since(size_t since);
	size_t mark();
	void stop();

private:
	AsyncEvents() = default;
	struct Impl;
	Impl *impl();
};

std::string async_str(const AsyncEvent &e);

} /* namespace kv */

#endif

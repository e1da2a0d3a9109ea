/* curluv.c - the one driver of a libcurl multi handle on a libuv loop (after curl's
 * multi-uv.c): the socket and timer callbacks, socket actions, finished transfers. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "curluv.h"
#include "xalloc.h"

typedef struct curluv_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	curluv_t *cu;
	struct curluv_sock *next, *prev;
} curluv_sock_t;

struct curluv {
	uv_loop_t *loop;
	CURLM *multi;
	bool own;                  /* the multi handle is ours to clean up */
	curluv_done_fn done;
	curluv_fail_fn fail;
	void *ud;
	uv_timer_t timer;          /* libcurl's timeout */
	curluv_sock_t *socks;      /* sockets watched */
	int open;                  /* our uv handles not yet closed */
	bool dead;                 /* curluv_free was called: freed when open is 0 */
};

/* For calls that fail only when the program is wrong (a closed handle, a call
 * from inside a libcurl callback): a clear message, then abort(), which the
 * crash handler turns into a restored terminal. */
static void curluv_must(bool ok, const char *call, const char *why)
{
	if (ok)
		return;
	fprintf(stderr, "nodetop: internal error: %s failed: %s\n", call, why);
	abort();
}

/* The same for a libuv call's rc (uv_strerror allocates for codes it does not know, 0 among them). */
static void curluv_must_uv(int rc, const char *call)
{
	if (rc != 0)
		curluv_must(false, call, uv_strerror(rc));
}

static void curluv_fail(curluv_t *cu, curluv_fail_t kind, const char *call, const char *err)
{
	char why[160];
	if (!cu->fail || cu->dead)
		return;
	if (kind == CURLUV_FAIL_ABANDON)
		snprintf(why, sizeof why, "libcurl failed (%s: %s)", call, err);
	else
		snprintf(why, sizeof why, "cannot watch the connection (%s: %s)", call, err);
	cu->fail(cu->ud, kind, why);
}

static void curluv_handle_closed(uv_handle_t *h)
{
	curluv_t *cu = h->data;
	if (--cu->open == 0 && cu->dead)
		free(cu);
}

static void curluv_sock_closed(uv_handle_t *h)
{
	curluv_sock_t *c = h->data;
	curluv_t *cu = c->cu;
	free(c);
	if (--cu->open == 0 && cu->dead)
		free(cu);
}

/* Stops watching c and closes it; freed by its close callback (the fd may
 * come back from libcurl at once, with a new context). */
static void curluv_sock_release(curluv_t *cu, curluv_sock_t *c)
{
	int rc = uv_poll_stop(&c->poll);
	curluv_must_uv(rc, "uv_poll_stop");
	if (c->prev)
		c->prev->next = c->next;
	else
		cu->socks = c->next;
	if (c->next)
		c->next->prev = c->prev;
	uv_close((uv_handle_t *)&c->poll, curluv_sock_closed);
}

/* Hands every finished transfer to the owner, taken out of the multi handle. */
static void curluv_drain(curluv_t *cu)
{
	CURLMsg *msg;
	int left;
	while (!cu->dead && (msg = curl_multi_info_read(cu->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg is invalid once the handle is removed: copied out first */
		CURL *easy = msg->easy_handle;
		CURLcode rc = msg->data.result;
		CURLMcode removed = curl_multi_remove_handle(cu->multi, easy);
		cu->done(cu->ud, easy, rc, removed);
	}
}

static void curluv_action(curluv_t *cu, curl_socket_t fd, int flags)
{
	int running = 0;
	CURLMcode mc = curl_multi_socket_action(cu->multi, fd, flags, &running);
	curluv_drain(cu);
	if (mc != CURLM_OK)
		curluv_fail(cu, CURLUV_FAIL_ABANDON, "curl_multi_socket_action", curl_multi_strerror(mc));
}

static void curluv_on_poll(uv_poll_t *h, int status, int events)
{
	curluv_sock_t *c = h->data;
	int flags = 0;
	if (c->cu->dead)
		return;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	curluv_action(c->cu, c->fd, flags);
}

static void curluv_on_timeout(uv_timer_t *t)
{
	curluv_t *cu = t->data;
	if (!cu->dead)
		curluv_action(cu, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_SOCKETFUNCTION. Returning -1 makes libcurl fail the transfers of
 * the multi handle: the fail callback has given them the text. */
static int curluv_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	curluv_t *cu = userp;
	curluv_sock_t *c = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (c) {
			if (!cu->dead) {
				/* fails only when libcurl no longer knows fd: nothing left to undo */
				CURLMcode mc = curl_multi_assign(cu->multi, fd, NULL);
				(void)mc;
			}
			curluv_sock_release(cu, c);
		}
		return 0;
	}
	if (!c) {
		c = xcalloc(1, sizeof *c);
		c->fd = fd;
		c->cu = cu;
		int rc = uv_poll_init_socket(cu->loop, &c->poll, fd);
		if (rc != 0) {
			free(c);
			curluv_fail(cu, CURLUV_FAIL_NOTE, "uv_poll_init_socket", uv_strerror(rc));
			return -1;
		}
		cu->open++;
		c->poll.data = c;
		c->next = cu->socks;
		if (cu->socks)
			cu->socks->prev = c;
		cu->socks = c;
		CURLMcode mc = curl_multi_assign(cu->multi, fd, c);
		if (mc != CURLM_OK) {
			curluv_sock_release(cu, c);
			curluv_fail(cu, CURLUV_FAIL_NOTE, "curl_multi_assign", curl_multi_strerror(mc));
			return -1;
		}
	}
	int ev = 0;
	if (what & CURL_POLL_IN)
		ev |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		ev |= UV_WRITABLE;
	int rc = uv_poll_start(&c->poll, ev, curluv_on_poll);
	if (rc != 0) {
		curluv_fail(cu, CURLUV_FAIL_NOTE, "uv_poll_start", uv_strerror(rc));
		return -1;
	}
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms the one-shot timer; libcurl is called
 * from the timer's callback, never from here. */
static int curluv_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	curluv_t *cu = userp;
	(void)multi;
	if (cu->dead)
		return 0;
	if (timeout_ms < 0) {
		int rc = uv_timer_stop(&cu->timer);
		curluv_must_uv(rc, "uv_timer_stop");
		return 0;
	}
	int rc = uv_timer_start(&cu->timer, curluv_on_timeout, (uint64_t)timeout_ms, 0);
	if (rc != 0) {
		curluv_fail(cu, CURLUV_FAIL_NOTE, "uv_timer_start", uv_strerror(rc));
		return -1;
	}
	return 0;
}

static bool curluv_set_callbacks(CURLM *multi, curluv_t *cu)
{
	return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, cu ? curluv_socket_cb : NULL) == CURLM_OK &&
	       curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, cu) == CURLM_OK &&
	       curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, cu ? curluv_timer_cb : NULL) == CURLM_OK &&
	       curl_multi_setopt(multi, CURLMOPT_TIMERDATA, cu) == CURLM_OK;
}

static curluv_t *curluv_make(uv_loop_t *loop, CURLM *multi, bool own, curluv_done_fn done, void *ud)
{
	curluv_t *cu = xcalloc(1, sizeof *cu);
	cu->loop = loop;
	cu->multi = multi;
	cu->own = own;
	cu->done = done;
	cu->ud = ud;
	if (uv_timer_init(loop, &cu->timer) != 0) {
		free(cu);                  /* not registered with the loop: nothing to close */
		return NULL;
	}
	cu->timer.data = cu;
	cu->open = 1;
	if (!curluv_set_callbacks(multi, cu)) {
		(void)curluv_set_callbacks(multi, NULL);   /* best effort: no callback into a freed cu */
		cu->dead = true;
		uv_close((uv_handle_t *)&cu->timer, curluv_handle_closed);
		return NULL;
	}
	return cu;
}

curluv_t *curluv_new(uv_loop_t *loop, curluv_done_fn done, void *ud)
{
	CURLM *multi = curl_multi_init();
	if (!multi)
		return NULL;
	curluv_t *cu = curluv_make(loop, multi, true, done, ud);
	if (!cu) {
		CURLMcode mc = curl_multi_cleanup(multi);
		curluv_must(mc == CURLM_OK, "curl_multi_cleanup", curl_multi_strerror(mc));
	}
	return cu;
}

curluv_t *curluv_attach(uv_loop_t *loop, CURLM *multi, curluv_done_fn done, void *ud)
{
	return curluv_make(loop, multi, false, done, ud);
}

void curluv_on_fail(curluv_t *cu, curluv_fail_fn fail)
{
	cu->fail = fail;
}

CURLM *curluv_multi(const curluv_t *cu)
{
	return cu->multi;
}

CURLMcode curluv_add(curluv_t *cu, CURL *easy)
{
	return cu->dead ? CURLM_BAD_HANDLE : curl_multi_add_handle(cu->multi, easy);
}

CURLMcode curluv_remove(curluv_t *cu, CURL *easy)
{
	return cu->dead ? CURLM_BAD_HANDLE : curl_multi_remove_handle(cu->multi, easy);
}

void curluv_free(curluv_t *cu)
{
	if (!cu || cu->dead)
		return;
	cu->dead = true;
	if (cu->own) {
		/* may call the socket callback (CURL_POLL_REMOVE) for its connections */
		CURLMcode mc = curl_multi_cleanup(cu->multi);
		curluv_must(mc == CURLM_OK, "curl_multi_cleanup", curl_multi_strerror(mc));
	} else {
		/* connections left in the caller's cache must not call back into a freed cu */
		curluv_must(curluv_set_callbacks(cu->multi, NULL), "curl_multi_setopt", "cannot unset the callbacks");
		for (curluv_sock_t *c = cu->socks; c; c = c->next) {
			CURLMcode mc = curl_multi_assign(cu->multi, c->fd, NULL);
			(void)mc;              /* fails only for a socket libcurl has forgotten */
		}
	}
	cu->multi = NULL;
	while (cu->socks)
		curluv_sock_release(cu, cu->socks);
	int rc = uv_timer_stop(&cu->timer);
	curluv_must_uv(rc, "uv_timer_stop");
	uv_close((uv_handle_t *)&cu->timer, curluv_handle_closed);
}

/* curluv.h - the one driver of a libcurl multi handle on a libuv loop: libcurl's
 * timeout as a uv_timer_t, each of its sockets as a uv_poll_t, finished transfers handed back. */
#ifndef NODETOP_CURLUV_H
#define NODETOP_CURLUV_H

#include <curl/curl.h>
#include <uv.h>

typedef struct curluv curluv_t;

/* A transfer finished with result rc. easy is out of the multi handle already
 * (removed: what curl_multi_remove_handle said, CURLM_OK unless libcurl is
 * broken); it is still the caller's, to reuse or clean up. Called from the
 * loop, never from inside libcurl: the callback may add transfers, remove
 * others, or free the curluv (no further transfer is then handed back). */
typedef void (*curluv_done_fn)(void *ud, CURL *easy, CURLcode rc, CURLMcode removed);

typedef enum curluv_fail {
	/* libuv could not watch a socket or arm the timer: libcurl fails the
	 * transfers concerned itself (each comes to the done callback); why is
	 * the text to give them. Called from inside libcurl: set texts, call no
	 * libcurl function. */
	CURLUV_FAIL_NOTE = 1,
	/* curl_multi_socket_action failed: the transfers in the multi handle
	 * cannot go on. The owner takes them out (curluv_remove) and fails them
	 * with why. Called from the loop. */
	CURLUV_FAIL_ABANDON,
} curluv_fail_t;

typedef void (*curluv_fail_fn)(void *ud, curluv_fail_t kind, const char *why);

/* A driver with a multi handle of its own (curluv_multi for its options);
 * NULL when libcurl or libuv cannot make one. */
curluv_t *curluv_new(uv_loop_t *loop, curluv_done_fn done, void *ud);
/* A driver of the caller's multi handle, which must outlive it; NULL when
 * libcurl refuses the callbacks or libuv the timer. */
curluv_t *curluv_attach(uv_loop_t *loop, CURLM *multi, curluv_done_fn done, void *ud);
/* Who hears of failures under the transfers (none by default). */
void curluv_on_fail(curluv_t *cu, curluv_fail_fn fail);
CURLM *curluv_multi(const curluv_t *cu);
/* Starts / takes out a transfer: libcurl's answer. */
CURLMcode curluv_add(curluv_t *cu, CURL *easy);
CURLMcode curluv_remove(curluv_t *cu, CURL *easy);
/* Stops driving: its own multi handle is cleaned up (transfers still in it
 * are dropped, their easy handles stay the caller's), an attached one loses
 * the callbacks. The timer and the sockets' poll handles are closed; cu is
 * freed by the loop once they are (run the loop after this). NULL is a no-op;
 * may be called from the done or fail callback. */
void curluv_free(curluv_t *cu);

#endif

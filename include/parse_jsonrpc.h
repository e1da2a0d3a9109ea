/* parse_jsonrpc.h - the Ethereum JSON-RPC probe's wire format, pure: the batch
 * request and its response, eth_subscribe/newHeads messages, provider URL masking. */
#ifndef NODETOP_PARSE_JSONRPC_H
#define NODETOP_PARSE_JSONRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest batch response body accepted (a healthy one is about 400 bytes). */
#define JSONRPC_MAX_BODY (256u * 1024u)
/* Largest WebSocket message accepted (a newHeads notification is about 1.5 KiB;
 * a block header with a huge extraData or logsBloom still fits). */
#define JSONRPC_MAX_WS_MESSAGE (64u * 1024u)
/* Quantities above this are refused: 2^53 - 1, the largest integer that every
 * JSON consumer (and a double) holds exactly. Ethereum block numbers are near
 * 2^25 and EIP-155 chain ids in use stay far below; a head of 2^63 is garbage. */
#define JSONRPC_MAX_QUANTITY ((uint64_t)9007199254740991ull)
/* client version text kept (escaped, printable) */
#define JSONRPC_CLIENT_MAX 96

/* The methods of one probe, in batch order; the id of each is its index + 1. */
typedef enum jsonrpc_method {
	JSONRPC_CHAIN_ID = 0,     /* eth_chainId: required */
	JSONRPC_BLOCK_NUMBER,     /* eth_blockNumber: required */
	JSONRPC_SYNCING,          /* eth_syncing */
	JSONRPC_CLIENT_VERSION,   /* web3_clientVersion */
	JSONRPC_PEER_COUNT,       /* net_peerCount */
	JSONRPC__COUNT
} jsonrpc_method_t;

typedef enum jsonrpc_answer {
	JSONRPC_MISSING = 0,      /* no element with this id in the batch */
	JSONRPC_OK,               /* a valid result */
	JSONRPC_UNSUPPORTED,      /* error -32601 "method not found": not a failure */
	JSONRPC_ERROR,            /* another error object, or a result of the wrong form */
} jsonrpc_answer_t;

typedef enum jsonrpc_sync {
	JSONRPC_SYNC_UNKNOWN = 0, /* not answered / not supported */
	JSONRPC_SYNC_NO,          /* result false */
	JSONRPC_SYNC_YES,         /* result an object (or true) */
} jsonrpc_sync_t;

typedef struct jsonrpc_status {
	jsonrpc_answer_t answer[JSONRPC__COUNT];
	char method_error[JSONRPC__COUNT][96]; /* for JSONRPC_ERROR: escaped, printable */
	uint64_t chain_id;
	uint64_t head;
	jsonrpc_sync_t syncing;
	bool sync_has_blocks;                  /* current/highest given in the eth_syncing object */
	uint64_t sync_current, sync_highest;
	char client[JSONRPC_CLIENT_MAX];       /* web3_clientVersion, escaped, printable; "" when none */
	uint64_t peers;
} jsonrpc_status_t;

/* The method name ("eth_chainId", ...). */
const char *jsonrpc_method_name(jsonrpc_method_t m);

/* The batch request body (a constant, NUL-terminated JSON array). */
const char *jsonrpc_batch_body(void);

/* Parses a batch response in any element order, matching by id. Returns 0 when
 * eth_chainId and eth_blockNumber both gave valid quantities (the others may be
 * missing, unsupported or in error: see answer[]); -1 with a specific text in
 * err otherwise, e.g. "invalid JSON at byte 12", "body larger than 262144 bytes",
 * "batch rejected: -32600 invalid request", "eth_blockNumber: quantity larger
 * than 2^53-1", "eth_chainId: method not found". out is filled as far as it got. */
int jsonrpc_parse_batch(const char *body, size_t len, jsonrpc_status_t *out, char *err, size_t errlen);

/* Parses an Ethereum QUANTITY ("0x" then 1 to 16 hex digits, value at most
 * JSONRPC_MAX_QUANTITY). Returns 0, or -1 with a reason in err
 * ("negative quantity", "not hex: \"0xzz\"", "quantity larger than 2^53-1", ...). */
int jsonrpc_parse_quantity(const char *s, size_t len, uint64_t *out, char *err, size_t errlen);

/* ---------------------------------------------------------------- WebSocket */

/* The eth_subscribe request for newHeads (id 1). */
const char *jsonrpc_subscribe_body(void);

typedef enum jsonrpc_ws_kind {
	JSONRPC_WS_SUBSCRIBED = 1, /* the reply to eth_subscribe: subscription id */
	JSONRPC_WS_HEAD,           /* an eth_subscription notification with a block number */
	JSONRPC_WS_ERROR,          /* an error reply (e.g. subscriptions not supported) */
	JSONRPC_WS_OTHER,          /* a valid JSON-RPC message we do not use */
} jsonrpc_ws_kind_t;

typedef struct jsonrpc_ws_msg {
	jsonrpc_ws_kind_t kind;
	char subscription[67];     /* SUBSCRIBED and HEAD: the id (hex, at most 66 chars) */
	uint64_t head;             /* HEAD */
	char error[96];            /* ERROR: "code: message", escaped */
} jsonrpc_ws_msg_t;

/* Parses one WebSocket text message. Returns 0 or -1 with err (invalid JSON,
 * larger than JSONRPC_MAX_WS_MESSAGE, a head that is not a valid quantity, ...). */
int jsonrpc_parse_ws(const char *msg, size_t len, jsonrpc_ws_msg_t *out, char *err, size_t errlen);

/* ---------------------------------------------------------------- URLs */

/* Copies url with everything after the host (and port) replaced by "/…" and
 * any user:password@ dropped: "https://eth.example.com/v2/KEY" becomes
 * "https://eth.example.com/…"; a URL with nothing after the host keeps its
 * form. Provider URLs carry API keys: only this form may be drawn, logged or
 * written to JSON. Text that is not scheme://host becomes "(invalid URL)".
 * Always NUL-terminates out (truncated if n is too small); returns out. */
char *jsonrpc_url_mask(const char *url, char *out, size_t n);

#endif

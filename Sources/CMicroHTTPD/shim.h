// Thin shims for what Swift cannot import from <microhttpd.h>: variadic
// functions and macros that are not simple constants. No logic lives here.
#ifndef PANDA_MICROHTTPD_SHIM_H
#define PANDA_MICROHTTPD_SHIM_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/// `MHD_start_daemon` is variadic; every option travels in an `MHD_OPTION_ARRAY`.
static inline struct MHD_Daemon *
panda_mhd_start_daemon(unsigned int flags, uint16_t port,
                       MHD_AccessHandlerCallback handler, void *handler_cls,
                       struct MHD_OptionItem *options)
{
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/// `MHD_get_daemon_info` is variadic.
static inline int
panda_mhd_epoll_fd(struct MHD_Daemon *daemon)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_EPOLL_FD);
    return info == NULL ? -1 : info->epoll_fd;
}

/// `MHD_get_daemon_info` is variadic.
static inline uint16_t
panda_mhd_bound_port(struct MHD_Daemon *daemon)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// `MHD_get_connection_info` is variadic.
static inline int
panda_mhd_connection_fd(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

/// The pointer the connection-notify callback stored for this connection (`MHD_get_connection_info` is variadic).
static inline void *
panda_mhd_socket_context(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}

/// `MHD_set_response_options` is variadic. Without this flag libmicrohttpd drops an
/// explicit `Connection: keep-alive` for HTTP/1.1 clients.
static inline enum MHD_Result
panda_mhd_send_keep_alive_header(struct MHD_Response *response)
{
    return MHD_set_response_options(response, MHD_RF_SEND_KEEP_ALIVE_HEADER, MHD_RO_END);
}

/// `MHD_SIZE_UNKNOWN` and the reader results are casts, not plain constants.
static inline uint64_t panda_mhd_size_unknown(void) { return MHD_SIZE_UNKNOWN; }
static inline ssize_t panda_mhd_reader_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
static inline ssize_t panda_mhd_reader_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }

#endif

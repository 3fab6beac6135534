# LAB ONLY (lab/images/synapse-workers): a small stand-in for txredisapi, which Debian's
# matrix-synapse does not package, written for this lab. It covers exactly what Synapse 1.160
# calls (synapse/replication/tcp/redis.py, handler.py, external_cache.py, server.py):
#
#   from txredisapi import ConnectionHandler, RedisFactory, SubscriberProtocol, UnixConnectionHandler
#   RedisFactory(uuid=, dbid=, poolsize=, isLazy=, handler=, charset=, password=, replyTimeout=,
#                convertNumbers=)            a ReconnectingClientFactory (continueTrying, maxDelay,
#                                            protocol, buildProtocol, clientConnection{Failed,Lost})
#   factory.pool                             the connected protocols; each answers .ping()
#   factory.handler                          the ConnectionHandler returned by lazyConnection
#   ConnectionHandler.publish(channel, msg)  -> Deferred (replication commands out)
#   ConnectionHandler.set(key, value, pexpire=ms), .get(key)  -> Deferred (the external cache)
#   SubscriberProtocol: connectionMade, connectionLost(reason), subscribe([channels]) -> Deferred,
#                       messageReceived(pattern, channel, message) called per published message
#
# Replies are parsed by hiredis (Debian's python3-hiredis), the parser txredisapi itself prefers.
# Not covered: anything else txredisapi offers (transactions, scripting, sentinel, sharding).
from collections import deque

import hiredis
from twisted.internet import defer, protocol
from twisted.python.failure import Failure

__all__ = ["ConnectionHandler", "UnixConnectionHandler", "RedisFactory", "RedisProtocol", "SubscriberProtocol"]


class ConnectionError(Exception):
    pass


class ResponseError(Exception):
    pass


def _encode(arg, charset):
    if isinstance(arg, bytes):
        return arg
    if isinstance(arg, str):
        return arg.encode(charset)
    return str(arg).encode("ascii")


def _decode(reply, charset):
    if isinstance(reply, bytes):
        try:
            return reply.decode(charset)
        except UnicodeDecodeError:
            return reply
    if isinstance(reply, list):
        return [_decode(r, charset) for r in reply]
    return reply


class RedisProtocol(protocol.Protocol):
    """One connection: commands are written in order and answered in order (RESP2)."""

    def __init__(self):
        self._reader = hiredis.Reader(replyError=ResponseError)
        self._pending = deque()
        self.connected = False

    @property
    def _charset(self):
        return getattr(self.factory, "charset", "utf-8")

    def connectionMade(self):
        self.connected = True
        # NOTE: AUTH and SELECT are queued before anything a subclass sends, so they go first.
        if getattr(self.factory, "password", None):
            self.execute_command("AUTH", self.factory.password)
        if getattr(self.factory, "dbid", None) is not None:
            self.execute_command("SELECT", self.factory.dbid)
        self.factory.addConnection(self)

    def connectionLost(self, reason):
        self.connected = False
        self.factory.delConnection(self)
        while self._pending:
            self._pending.popleft().errback(ConnectionError("Lost connection to redis"))

    def dataReceived(self, data):
        self._reader.feed(data)
        while True:
            reply = self._reader.gets()
            if reply is False:
                return
            self.replyReceived(reply)

    def replyReceived(self, reply):
        if not self._pending:
            return
        d = self._pending.popleft()
        if isinstance(reply, ResponseError):
            d.errback(Failure(reply))
        else:
            d.callback(_decode(reply, self._charset))

    def execute_command(self, *args):
        if not self.connected:
            return defer.fail(ConnectionError("Not connected to redis"))
        parts = [_encode(a, self._charset) for a in args]
        out = [b"*%d\r\n" % len(parts)]
        for p in parts:
            out.append(b"$%d\r\n%s\r\n" % (len(p), p))
        d = defer.Deferred()
        self._pending.append(d)
        self.transport.write(b"".join(out))
        return d

    def ping(self):
        return self.execute_command("PING")

    def publish(self, channel, message):
        return self.execute_command("PUBLISH", channel, message)

    def set(self, key, value, expire=None, pexpire=None):
        args = ["SET", key, value]
        if expire is not None:
            args += ["EX", expire]
        if pexpire is not None:
            args += ["PX", pexpire]
        return self.execute_command(*args)

    def get(self, key):
        return self.execute_command("GET", key)


class SubscriberProtocol(RedisProtocol):
    """A connection in subscribe mode: pushed messages go to messageReceived."""

    def subscribe(self, channels):
        if isinstance(channels, (str, bytes)):
            channels = [channels]
        # NOTE: Redis confirms each channel separately; the Deferred fires after the last one.
        if not self.connected:
            return defer.fail(ConnectionError("Not connected to redis"))
        done = defer.Deferred()
        confirmations = [defer.Deferred() for _ in channels]
        self._subscribing = getattr(self, "_subscribing", deque())
        self._subscribing.extend(confirmations)
        parts = [_encode(a, self._charset) for a in ["SUBSCRIBE", *channels]]
        self.transport.write(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
        defer.gatherResults(confirmations).addCallbacks(lambda _: done.callback(None), done.errback)
        return done

    def replyReceived(self, reply):
        if isinstance(reply, list) and reply:
            kind = _decode(reply[0], "utf-8")
            if kind == "message" and len(reply) == 3:
                self.messageReceived(None, _decode(reply[1], self._charset), _decode(reply[2], self._charset))
                return
            if kind == "pmessage" and len(reply) == 4:
                r = _decode(reply[1:], self._charset)
                self.messageReceived(r[0], r[1], r[2])
                return
            if kind == "subscribe" and getattr(self, "_subscribing", None):
                self._subscribing.popleft().callback(None)
                return
        # PING in subscribe mode answers ["pong", ""]: an ordinary reply to a pending command.
        super().replyReceived(reply)

    def messageReceived(self, pattern, channel, message):
        pass


class ConnectionHandler:
    """What lazyConnection returns: commands wait for a connection, then go to one of the pool."""

    def __init__(self, factory):
        self._factory = factory

    def _call(self, name, *args, **kwargs):
        d = self._factory.getConnection()
        d.addCallback(lambda conn: getattr(conn, name)(*args, **kwargs))
        return d

    def publish(self, channel, message):
        return self._call("publish", channel, message)

    def set(self, key, value, expire=None, pexpire=None):
        return self._call("set", key, value, expire=expire, pexpire=pexpire)

    def get(self, key):
        return self._call("get", key)

    def ping(self):
        return self._call("ping")

    def execute_command(self, *args):
        return self._call("execute_command", *args)


class UnixConnectionHandler(ConnectionHandler):
    pass


class RedisFactory(protocol.ReconnectingClientFactory):
    maxDelay = 10
    protocol = RedisProtocol

    def __init__(self, uuid, dbid, poolsize, isLazy=False, handler=ConnectionHandler, charset="utf-8",
                 password=None, replyTimeout=None, convertNumbers=True):
        self.uuid = uuid
        self.dbid = dbid
        self.poolsize = poolsize
        self.isLazy = isLazy
        self.charset = charset
        self.password = password
        # NOTE: replyTimeout and convertNumbers are accepted for the signature; replies are not timed
        # out here (Synapse's 30 s ping notices a dead connection), and numbers come back as ints.
        self.replyTimeout = replyTimeout
        self.convertNumbers = convertNumbers
        self.pool = []
        self._waiting = deque()
        self.handler = handler(self)

    def buildProtocol(self, addr):
        p = self.protocol()
        p.factory = self
        return p

    def addConnection(self, conn):
        self.resetDelay()
        self.pool.append(conn)
        while self._waiting:
            self._waiting.popleft().callback(conn)

    def delConnection(self, conn):
        if conn in self.pool:
            self.pool.remove(conn)

    def getConnection(self):
        if self.pool:
            return defer.succeed(self.pool[0])
        d = defer.Deferred()
        self._waiting.append(d)
        return d

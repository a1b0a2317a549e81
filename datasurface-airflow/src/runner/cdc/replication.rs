//! A logical replication connection to a stream's source
//! (`replication=database`): how a batch reads its slot's changes once,
//! from the position the last batch left (`START_REPLICATION … LOGICAL`),
//! and, once its merge has committed, tells the slot how far it may go (a
//! standby status update), without the server decoding the log again as
//! `pg_replication_slot_advance` does.
//!
//! rust-postgres speaks no replication protocol, so this is the small part
//! of it a batch needs, on `postgres-protocol`'s messages and SCRAM and the
//! runner's own TLS, under the same [`Transport`] rules as every other
//! connection to a source: over TLS, nothing is sent but a
//! SCRAM-SHA-256-PLUS login bound to the channel.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use datasurface_runtime::pgoutput::Lsn;
use postgres::fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::sasl::{self, ChannelBinding, ScramSha256};
use postgres_protocol::message::backend::{ErrorResponseBody, Message};
use postgres_protocol::message::frontend;

use super::super::{BatchFailure, Endpoint, SESSION, Transport, failure, tls_connector};
use crate::escape::sql::literal;
use crate::names::quoted;

/// How long the server may say nothing: a walsender answers a ping
/// between any two records it decodes, so a longer silence is a server
/// that is gone.
const SILENCE: Duration = Duration::from_secs(600);

/// How long a stream's read waits before it pings: a walsender that is
/// waiting for the log says so unasked, but one busy decoding log that
/// holds nothing for the stream says nothing until asked.
const QUIET: Duration = Duration::from_millis(100);

/// The least time between two pings.
const PING: Duration = Duration::from_millis(10);

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01 UTC.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Why a login over TLS that is not bound to the channel is refused.
const REFUSED: &str = "the server asked for a clear-text or MD5 password, or for SCRAM without channel \
                       binding: the runner sends nothing to a source but a SCRAM-SHA-256-PLUS login bound to \
                       its TLS channel. Set the server's pg_hba.conf to `scram-sha-256` over `hostssl` (docs/security.md)";

/// What a replication stream sent.
#[derive(Debug)]
pub(super) enum Event {
    /// A message of the `pgoutput` plugin.
    Data(Bytes),
    /// The server has sent every change before this position.
    SentUpTo(Lsn),
}

/// A logical replication connection.
pub(super) struct Replication {
    io: Io,
    incoming: BytesMut,
    outgoing: BytesMut,
    /// What a read fills before it is parsed.
    chunk: Vec<u8>,
    what: String,
    pinged: Option<Instant>,
    /// What this connection has told the slot is merged (zero: nothing):
    /// every status update says it again.
    told: Lsn,
}

enum Io {
    Unix(UnixStream),
    Plain(TcpStream),
    Tls(Box<native_tls::TlsStream<TcpStream>>),
}

impl Read for Io {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Io::Unix(s) => s.read(buf),
            Io::Plain(s) => s.read(buf),
            Io::Tls(s) => s.read(buf),
        }
    }
}

impl Io {
    fn set_read_timeout(&self, wait: Duration) -> io::Result<()> {
        match self {
            Io::Unix(s) => s.set_read_timeout(Some(wait)),
            Io::Plain(s) => s.set_read_timeout(Some(wait)),
            Io::Tls(s) => s.get_ref().set_read_timeout(Some(wait)),
        }
    }
}

impl Write for Io {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Io::Unix(s) => s.write(buf),
            Io::Plain(s) => s.write(buf),
            Io::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Io::Unix(s) => s.flush(),
            Io::Plain(s) => s.flush(),
            Io::Tls(s) => s.flush(),
        }
    }
}

/// A message, or the start of the copy both ways `START_REPLICATION`
/// answers with (which `postgres-protocol` does not parse).
enum Incoming {
    Copying,
    Message(Message),
}

impl Replication {
    /// Connects to `endpoint`'s database for logical replication, for
    /// `what` (in messages).
    pub(super) fn connect(
        endpoint: &Endpoint,
        what: &str,
        transport: Transport,
    ) -> Result<Replication, BatchFailure> {
        let fail = |e: &dyn std::fmt::Display| {
            failure!("cannot connect to {what} at {endpoint} for its changes: {e}")
        };
        let (io, tls) = open(endpoint, transport).map_err(|e| fail(&e))?;
        let mut replication = Replication {
            io,
            incoming: BytesMut::with_capacity(64 * 1024),
            outgoing: BytesMut::new(),
            chunk: vec![0; 64 * 1024],
            what: what.to_owned(),
            pinged: None,
            told: Lsn::default(),
        };
        replication
            .log_in(endpoint, transport, tls.as_deref())
            .map_err(|e| fail(&e))?;
        Ok(replication)
    }

    fn log_in(
        &mut self,
        endpoint: &Endpoint,
        transport: Transport,
        certificate: Option<&[u8]>,
    ) -> Result<(), String> {
        let options = SESSION.to_owned();
        frontend::startup_message(
            [
                ("user", endpoint.login.user.as_str()),
                ("database", endpoint.database.as_str()),
                ("replication", "database"),
                ("application_name", "datasurface job"),
                ("client_encoding", "UTF8"),
                ("options", options.as_str()),
            ],
            &mut self.outgoing,
        )
        .map_err(|e| e.to_string())?;
        self.send().map_err(|e| e.to_string())?;
        let bound_only = transport == Transport::Bound;
        let refused = REFUSED;
        let password = || {
            endpoint.login.password.as_deref().ok_or_else(|| {
                "the server asks for a password, and the credential has none".to_owned()
            })
        };
        let mut scram: Option<ScramSha256> = None;
        let mut bound = false;
        loop {
            match self.incoming().map_err(|e| e.to_string())? {
                Incoming::Message(Message::AuthenticationOk) => {
                    if bound_only && !bound {
                        return Err(refused.to_owned());
                    }
                }
                Incoming::Message(Message::AuthenticationCleartextPassword) => {
                    if bound_only {
                        return Err(refused.to_owned());
                    }
                    frontend::password_message(password()?.as_bytes(), &mut self.outgoing)
                        .map_err(|e| e.to_string())?;
                    self.send().map_err(|e| e.to_string())?;
                }
                Incoming::Message(Message::AuthenticationMd5Password(body)) => {
                    if bound_only {
                        return Err(refused.to_owned());
                    }
                    let hash = postgres_protocol::authentication::md5_hash(
                        endpoint.login.user.as_bytes(),
                        password()?.as_bytes(),
                        body.salt(),
                    );
                    frontend::password_message(hash.as_bytes(), &mut self.outgoing)
                        .map_err(|e| e.to_string())?;
                    self.send().map_err(|e| e.to_string())?;
                }
                Incoming::Message(Message::AuthenticationSasl(body)) => {
                    let offered: Vec<String> = body
                        .mechanisms()
                        .map(|m| Ok(m.to_owned()))
                        .collect()
                        .map_err(|e| e.to_string())?;
                    let (mechanism, binding) = mechanism(&offered, certificate, bound_only)?;
                    bound = mechanism == sasl::SCRAM_SHA_256_PLUS;
                    let state = ScramSha256::new(password()?.as_bytes(), binding);
                    frontend::sasl_initial_response(mechanism, state.message(), &mut self.outgoing)
                        .map_err(|e| e.to_string())?;
                    scram = Some(state);
                    self.send().map_err(|e| e.to_string())?;
                }
                Incoming::Message(Message::AuthenticationSaslContinue(body)) => {
                    let state = scram
                        .as_mut()
                        .ok_or("the server continued a SCRAM login that had not begun")?;
                    state.update(body.data()).map_err(|e| e.to_string())?;
                    frontend::sasl_response(state.message(), &mut self.outgoing)
                        .map_err(|e| e.to_string())?;
                    self.send().map_err(|e| e.to_string())?;
                }
                Incoming::Message(Message::AuthenticationSaslFinal(body)) => {
                    let state = scram
                        .as_mut()
                        .ok_or("the server ended a SCRAM login that had not begun")?;
                    state.finish(body.data()).map_err(|e| e.to_string())?;
                }
                Incoming::Message(Message::ErrorResponse(body)) => return Err(server_error(&body)),
                Incoming::Message(Message::ReadyForQuery(_)) => return Ok(()),
                Incoming::Message(
                    Message::ParameterStatus(_)
                    | Message::BackendKeyData(_)
                    | Message::NoticeResponse(_),
                ) => {}
                _ => return Err("the server answered the login with something else".to_owned()),
            }
        }
    }

    /// Starts streaming the changes of `slot`'s transactions that commit at
    /// or after `from` (from where the slot stands, if that is later),
    /// decoded by `pgoutput` for `publication`.
    pub(super) fn start(
        &mut self,
        slot: &str,
        from: Lsn,
        publication: &str,
    ) -> Result<(), BatchFailure> {
        let command = format!(
            "START_REPLICATION SLOT {} LOGICAL {from} (\"proto_version\" '1', \"publication_names\" {})",
            quoted(slot),
            literal(&quoted(publication)),
        );
        frontend::query(&command, &mut self.outgoing).map_err(|e| self.lost(&e))?;
        self.send().map_err(|e| self.lost(&e))?;
        loop {
            match self.incoming().map_err(|e| self.lost(&e))? {
                Incoming::Copying => {
                    self.io.set_read_timeout(QUIET).map_err(|e| self.lost(&e))?;
                    return Ok(());
                }
                Incoming::Message(Message::ErrorResponse(body)) => {
                    let text = server_error(&body);
                    let _ = self.until_ready();
                    return Err(failure!("replication slot `{slot}`: {text}"));
                }
                Incoming::Message(Message::NoticeResponse(_) | Message::ParameterStatus(_)) => {}
                Incoming::Message(_) => {
                    return Err(self.lost(&"an answer to START_REPLICATION that is not a stream"));
                }
            }
        }
    }

    /// The stream's next message: an output plugin's message, or how far
    /// the server has sent (the answer to a [`Replication::ping`]).
    pub(super) fn next(&mut self) -> Result<Event, BatchFailure> {
        let mut quiet = Duration::ZERO;
        loop {
            let incoming = match self.incoming() {
                Ok(incoming) => incoming,
                // Whatever was half read stays buffered, in TLS too.
                Err(e) if quiet < SILENCE && is_timeout(&e) => {
                    quiet += QUIET;
                    self.ping()?;
                    continue;
                }
                Err(e) => return Err(self.lost(&e)),
            };
            match incoming {
                Incoming::Message(Message::CopyData(body)) => {
                    let data = body.into_bytes();
                    match data.first() {
                        // XLogData: start, end of WAL, send time, then the message.
                        Some(b'w') if data.len() >= 25 => return Ok(Event::Data(data.slice(25..))),
                        // Keepalive: end of WAL sent, send time, whether to reply now.
                        Some(b'k') if data.len() >= 18 => {
                            let sent = Lsn(u64::from_be_bytes(
                                data[1..9].try_into().unwrap_or_default(),
                            ));
                            if data[17] == 1 {
                                self.status(false)?;
                            }
                            return Ok(Event::SentUpTo(sent));
                        }
                        _ => return Err(self.lost(&"a stream message it cannot read")),
                    }
                }
                Incoming::Message(Message::ErrorResponse(body)) => {
                    return Err(failure!(
                        "{}: the replication stream failed: {}",
                        self.what,
                        server_error(&body)
                    ));
                }
                Incoming::Message(Message::NoticeResponse(_) | Message::ParameterStatus(_)) => {}
                _ => return Err(self.lost(&"the server ended the stream")),
            }
        }
    }

    /// Asks the server how far it has sent ([`Event::SentUpTo`]),
    /// confirming nothing; not again within a few milliseconds (a stream
    /// that goes quiet pings by itself).
    pub(super) fn ping(&mut self) -> Result<(), BatchFailure> {
        if self.pinged.is_some_and(|at| at.elapsed() < PING) {
            return Ok(());
        }
        self.pinged = Some(Instant::now());
        self.status(true)
    }

    /// Tells the slot, while streaming, that every change before `at` is
    /// merged, so it may let go of the log before it (and take the place
    /// it restarts decoding from past it).
    pub(super) fn tell(&mut self, at: Lsn) -> Result<(), BatchFailure> {
        self.told = self.told.max(at);
        self.status(false)
    }

    /// Ends streaming. The connection takes commands again, but not another
    /// stream: PostgreSQL 15's walsender ends a second one at once.
    pub(super) fn stop(&mut self) -> Result<(), BatchFailure> {
        self.io
            .set_read_timeout(SILENCE)
            .map_err(|e| self.lost(&e))?;
        frontend::copy_done(&mut self.outgoing);
        self.send().map_err(|e| self.lost(&e))?;
        self.until_ready().map_err(|e| self.lost(&e))
    }

    /// Tells `slot` that every change before `to` is merged, so the server
    /// may let go of the log before it: a stream started at `to` and
    /// ended at once, which decodes next to nothing. The connection's
    /// only stream.
    pub(super) fn confirm(
        &mut self,
        slot: &str,
        to: Lsn,
        publication: &str,
    ) -> Result<(), BatchFailure> {
        self.start(slot, to, publication)?;
        self.tell(to)?;
        self.stop()
    }

    /// A standby status update: every change before what it has told is
    /// written, flushed and applied (nothing, when it has told nothing);
    /// `reply` asks the server to answer at once.
    fn status(&mut self, reply: bool) -> Result<(), BatchFailure> {
        let at = self.told;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .saturating_sub(POSTGRES_EPOCH_MICROS);
        let mut body = Vec::with_capacity(34);
        body.push(b'r');
        for _ in 0..3 {
            body.extend_from_slice(&at.0.to_be_bytes());
        }
        body.extend_from_slice(&now.to_be_bytes());
        body.push(u8::from(reply));
        frontend::CopyData::new(&body[..])
            .map_err(|e| self.lost(&e))?
            .write(&mut self.outgoing);
        self.send().map_err(|e| self.lost(&e))
    }

    /// Reads and drops what the server sends until it is ready for a
    /// command.
    fn until_ready(&mut self) -> io::Result<()> {
        loop {
            match self.incoming()? {
                Incoming::Message(Message::ReadyForQuery(_)) => return Ok(()),
                Incoming::Message(Message::ErrorResponse(body)) => {
                    let text = server_error(&body);
                    self.until_ready()?;
                    return Err(io::Error::other(text));
                }
                _ => {}
            }
        }
    }

    fn send(&mut self) -> io::Result<()> {
        let result = self
            .io
            .write_all(&self.outgoing)
            .and_then(|()| self.io.flush());
        self.outgoing.clear();
        result
    }

    fn incoming(&mut self) -> io::Result<Incoming> {
        loop {
            if self.incoming.first() == Some(&b'W') && self.incoming.len() >= 5 {
                let len = u32::from_be_bytes([
                    self.incoming[1],
                    self.incoming[2],
                    self.incoming[3],
                    self.incoming[4],
                ]) as usize;
                if self.incoming.len() > len {
                    let _ = self.incoming.split_to(len + 1);
                    return Ok(Incoming::Copying);
                }
            } else if let Some(message) = Message::parse(&mut self.incoming)? {
                return Ok(Incoming::Message(message));
            }
            let n = self.io.read(&mut self.chunk)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ));
            }
            self.incoming.extend_from_slice(&self.chunk[..n]);
        }
    }

    fn lost(&self, e: &dyn std::fmt::Display) -> BatchFailure {
        failure!("{}: the replication connection: {e}", self.what)
    }
}

impl Drop for Replication {
    /// Says goodbye, so the server ends the session at once.
    fn drop(&mut self) {
        frontend::terminate(&mut self.outgoing);
        let _ = self.send();
    }
}

/// Opens the connection: a Unix socket, or TCP with TLS as `transport`
/// asks, and the server's certificate's hash when over TLS (what a
/// SCRAM-SHA-256-PLUS login binds to).
fn open(endpoint: &Endpoint, transport: Transport) -> io::Result<(Io, Option<Vec<u8>>)> {
    if endpoint.host.starts_with('/') {
        let path = format!("{}/.s.PGSQL.{}", endpoint.host, endpoint.port);
        let socket = UnixStream::connect(path)?;
        socket.set_read_timeout(Some(SILENCE))?;
        return Ok((Io::Unix(socket), None));
    }
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    let mut tcp = None;
    for address in (endpoint.host.as_str(), endpoint.port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, Duration::from_secs(15)) {
            Ok(stream) => {
                tcp = Some(stream);
                break;
            }
            Err(e) => last = e,
        }
    }
    let mut tcp = tcp.ok_or(last)?;
    tcp.set_nodelay(true)?;
    tcp.set_read_timeout(Some(SILENCE))?;
    let mut request = BytesMut::new();
    frontend::ssl_request(&mut request);
    tcp.write_all(&request)?;
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer)?;
    match answer[0] {
        b'S' => {
            let connector = tls_connector().map_err(|e| io::Error::other(e.to_string()))?;
            let stream = connector
                .connect(&endpoint.host, tcp)
                .map_err(|e| io::Error::other(format!("TLS: {e}")))?;
            let certificate = stream
                .tls_server_end_point()
                .map_err(|e| io::Error::other(format!("TLS: {e}")))?;
            Ok((Io::Tls(Box::new(stream)), certificate))
        }
        b'N' if transport == Transport::Bound => Err(io::Error::other(
            "the server does not speak TLS, and the runner sends a credential to a source only over TLS: \
             turn on `ssl` on the server (with `scram-sha-256` in pg_hba.conf), or list the host in the \
             platform's `plaintextSources` parameter if the ecosystem's owners accept the risk (docs/security.md)",
        )),
        b'N' => Ok((Io::Plain(tcp), None)),
        _ => Err(io::Error::other(
            "the server answered the TLS request with something else",
        )),
    }
}

/// The SCRAM mechanism to log in with among those the server `offered`,
/// and its channel binding: bound to the TLS channel (its server
/// certificate's hash) whenever the server offers it, and only that when
/// `bound_only`.
fn mechanism(
    offered: &[String],
    certificate: Option<&[u8]>,
    bound_only: bool,
) -> Result<(&'static str, ChannelBinding), String> {
    let plus = offered.iter().any(|m| m == sasl::SCRAM_SHA_256_PLUS);
    match (certificate, plus) {
        (Some(hash), true) => Ok((
            sasl::SCRAM_SHA_256_PLUS,
            ChannelBinding::tls_server_end_point(hash.to_vec()),
        )),
        _ if bound_only => Err(REFUSED.to_owned()),
        _ if !offered.iter().any(|m| m == sasl::SCRAM_SHA_256) => Err(format!(
            "the server offers no login this runner speaks: {}",
            offered.join(", ")
        )),
        (Some(_), false) => Ok((sasl::SCRAM_SHA_256, ChannelBinding::unrequested())),
        (None, _) => Ok((sasl::SCRAM_SHA_256, ChannelBinding::unsupported())),
    }
}

/// Whether a read ended because nothing came in time.
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The server's error, as `psql` shows it: its message and code.
fn server_error(body: &ErrorResponseBody) -> String {
    let mut message = String::new();
    let mut code = String::new();
    let mut fields = body.fields();
    while let Ok(Some(field)) = fields.next() {
        match field.type_() {
            b'M' => message = String::from_utf8_lossy(field.value_bytes()).into_owned(),
            b'C' => code = String::from_utf8_lossy(field.value_bytes()).into_owned(),
            _ => {}
        }
    }
    if code.is_empty() {
        message
    } else {
        format!("{message} (SQLSTATE {code})")
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::thread;

    use super::super::super::Login;
    use super::*;

    fn endpoint(port: u16, password: Option<&str>) -> Endpoint {
        Endpoint {
            host: "127.0.0.1".to_owned(),
            port,
            database: "shop".to_owned(),
            login: Login {
                user: "reader".to_owned(),
                password: password.map(str::to_owned),
            },
        }
    }

    /// A message with no tag (the TLS request and the startup message).
    fn untagged(s: &mut TcpStream) -> Vec<u8> {
        let mut len = [0u8; 4];
        s.read_exact(&mut len).unwrap();
        let mut body = vec![0; u32::from_be_bytes(len) as usize - 4];
        s.read_exact(&mut body).unwrap();
        body
    }

    fn tagged(s: &mut TcpStream) -> (u8, Vec<u8>) {
        let mut head = [0u8; 5];
        s.read_exact(&mut head).unwrap();
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0; len - 4];
        s.read_exact(&mut body).unwrap();
        (head[0], body)
    }

    fn send(s: &mut TcpStream, tag: u8, body: &[u8]) {
        let mut out = vec![tag];
        out.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_be_bytes());
        out.extend_from_slice(body);
        s.write_all(&out).unwrap();
    }

    /// The server's side of a login without TLS or a password.
    fn trusted(s: &mut TcpStream) {
        untagged(s);
        s.write_all(b"N").unwrap();
        untagged(s);
        send(s, b'R', &0_i32.to_be_bytes());
        send(s, b'Z', b"I");
    }

    fn serve(
        script: impl FnOnce(&mut TcpStream) + Send + 'static,
    ) -> (u16, thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            script(&mut s);
        });
        (port, server)
    }

    fn assert_sent_up_to(stream: &mut Replication, lsn: Lsn) {
        match stream.next().unwrap() {
            Event::SentUpTo(at) => assert_eq!(at, lsn),
            other @ Event::Data(_) => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bound_login_sends_nothing_to_a_server_without_tls() {
        let (port, server) = serve(|s| {
            assert_eq!(untagged(s), 80_877_103_u32.to_be_bytes());
            s.write_all(b"N").unwrap();
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).unwrap();
            assert!(rest.is_empty(), "the client sent {rest:?}");
        });
        let e = Replication::connect(&endpoint(port, Some("secret")), "source", Transport::Bound)
            .err()
            .unwrap();
        assert!(e.to_string().contains("only over TLS"), "{e}");
        server.join().unwrap();
    }

    #[test]
    fn a_stream_is_started_read_pinged_and_stopped() {
        let (port, server) = serve(|s| {
            untagged(s);
            s.write_all(b"N").unwrap();
            let startup = untagged(s);
            assert!(
                startup.windows(21).any(|w| w == b"replication\0database\0"),
                "{startup:?}"
            );
            send(s, b'R', &3_i32.to_be_bytes());
            assert_eq!(tagged(s), (b'p', b"secret\0".to_vec()));
            send(s, b'R', &0_i32.to_be_bytes());
            send(s, b'S', b"server_version\x0015.0\0");
            send(s, b'Z', b"I");
            let (tag, query) = tagged(s);
            assert_eq!(tag, b'Q');
            assert_eq!(
                String::from_utf8(query).unwrap(),
                "START_REPLICATION SLOT \"s\"\"lot\" LOGICAL 1/10 (\"proto_version\" '1', \
                 \"publication_names\" '\"it''s\"')\0"
            );
            send(s, b'W', &[0, 0, 0]);
            let mut data = vec![b'w'];
            data.extend_from_slice(&[0; 24]);
            data.extend_from_slice(b"Bchange");
            send(s, b'd', &data);
            // Told while streaming: written, flushed and applied, no reply asked.
            let told = 0x1_0000_0020_u64.to_be_bytes().repeat(3);
            let (tag, status) = tagged(s);
            assert_eq!((tag, status[0], status.len()), (b'd', b'r', 34));
            assert_eq!(&status[1..25], &told[..]);
            assert_eq!(status[33], 0);
            let mut keepalive = vec![b'k'];
            keepalive.extend_from_slice(&0x2_0000_0000_u64.to_be_bytes());
            keepalive.extend_from_slice(&[0; 8]);
            keepalive.push(1);
            send(s, b'd', &keepalive);
            // The reply the keepalive asked for says again what was told.
            let (tag, status) = tagged(s);
            assert_eq!((tag, status[0], status.len()), (b'd', b'r', 34));
            assert_eq!(&status[1..25], &told[..]);
            assert_eq!(status[33], 0);
            assert_eq!(tagged(s).0, b'c');
            send(s, b'c', b"");
            send(s, b'C', b"START_REPLICATION\0");
            send(s, b'Z', b"I");
            assert_eq!(tagged(s).0, b'X', "goodbye");
        });
        let mut stream = Replication::connect(
            &endpoint(port, Some("secret")),
            "source",
            Transport::Opportunistic,
        )
        .unwrap();
        stream.start("s\"lot", Lsn(0x1_0000_0010), "it's").unwrap();
        match stream.next().unwrap() {
            Event::Data(data) => assert_eq!(&data[..], b"Bchange"),
            other @ Event::SentUpTo(_) => panic!("{other:?}"),
        }
        stream.tell(Lsn(0x1_0000_0020)).unwrap();
        assert_sent_up_to(&mut stream, Lsn(0x2_0000_0000));
        stream.stop().unwrap();
        drop(stream);
        server.join().unwrap();
    }

    #[test]
    fn a_quiet_stream_asks_how_far_the_server_has_sent() {
        let (port, server) = serve(|s| {
            trusted(s);
            tagged(s);
            send(s, b'W', &[0, 0, 0]);
            // Says nothing until pinged.
            let (tag, status) = tagged(s);
            assert_eq!((tag, status[0], status[33]), (b'd', b'r', 1), "a ping");
            let mut keepalive = vec![b'k'];
            keepalive.extend_from_slice(&7_u64.to_be_bytes());
            keepalive.extend_from_slice(&[0; 9]);
            send(s, b'd', &keepalive);
            assert_eq!(tagged(s).0, b'X');
        });
        let mut stream =
            Replication::connect(&endpoint(port, None), "source", Transport::Opportunistic)
                .unwrap();
        stream.start("s", Lsn(0), "p").unwrap();
        assert_sent_up_to(&mut stream, Lsn(7));
        drop(stream);
        server.join().unwrap();
    }

    #[test]
    fn a_refused_start_says_what_the_server_said() {
        let (port, server) = serve(|s| {
            trusted(s);
            tagged(s);
            send(
                s,
                b'E',
                b"SERROR\0C42704\0Mreplication slot \"s\" does not exist\0\0",
            );
            send(s, b'Z', b"I");
            assert_eq!(tagged(s).0, b'X');
        });
        let mut stream =
            Replication::connect(&endpoint(port, None), "source", Transport::Opportunistic)
                .unwrap();
        let e = stream.start("s", Lsn(0), "p").unwrap_err().to_string();
        assert!(
            e.contains("replication slot \"s\" does not exist (SQLSTATE 42704)"),
            "{e}"
        );
        drop(stream);
        server.join().unwrap();
    }

    #[test]
    fn a_login_binds_to_the_channel_whenever_it_can_and_only_so_when_bound() {
        let both = [
            sasl::SCRAM_SHA_256_PLUS.to_owned(),
            sasl::SCRAM_SHA_256.to_owned(),
        ];
        let plain = [sasl::SCRAM_SHA_256.to_owned()];
        let hash: &[u8] = b"hash";
        assert_eq!(
            mechanism(&both, Some(hash), true).unwrap().0,
            sasl::SCRAM_SHA_256_PLUS
        );
        assert_eq!(
            mechanism(&both, Some(hash), false).unwrap().0,
            sasl::SCRAM_SHA_256_PLUS
        );
        let refused = |r: Result<(&str, ChannelBinding), String>| r.err();
        assert_eq!(
            refused(mechanism(&plain, Some(hash), true)).as_deref(),
            Some(REFUSED)
        );
        assert_eq!(
            refused(mechanism(&both, None, true)).as_deref(),
            Some(REFUSED)
        );
        assert_eq!(
            mechanism(&plain, None, false).unwrap().0,
            sasl::SCRAM_SHA_256
        );
        let e = refused(mechanism(&["GSS".to_owned()], None, false)).unwrap();
        assert!(e.contains("GSS"), "{e}");
    }
}

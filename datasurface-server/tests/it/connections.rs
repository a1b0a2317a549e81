//! Clients that connect and say nothing, or say it slowly, cannot stop the
//! service answering: idle connections close, and the number open at once
//! is bounded, with a line in the log when the bound is reached.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use datasurface_server::ConnectionLimits;

use super::{Running, northwind_version};

#[test]
fn idle_and_slow_clients_cannot_stop_the_service() {
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = {
        let lines = Arc::clone(&lines);
        Arc::new(move |line: &str| lines.lock().unwrap().push(line.to_owned()))
    };
    let limits = ConnectionLimits::new(8, Duration::from_secs(1), Duration::from_secs(30));
    let running = Running::start_with(northwind_version("a"), limits, log);
    let addr = running.base.trim_start_matches("http://").to_owned();

    // Far more idle sockets than the limit (the 1,100 against a
    // limit of 1,024 files, scaled down).
    let idle: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    // Slow clients: a byte of a request every 200 ms, never the whole header.
    let slow: Vec<std::thread::JoinHandle<Duration>> = (0..4)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut stream = TcpStream::connect(&addr).unwrap();
                for byte in b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: "
                    .iter()
                    .cycle()
                {
                    if stream.write_all(&[*byte]).is_err()
                        || started.elapsed() > Duration::from_secs(60)
                    {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                started.elapsed()
            })
        })
        .collect();

    // The service still answers.
    let (status, _, _) = running.get("/openapi.json", None);
    assert_eq!(status, 200);
    // Idle connections were closed by the server, not left open.
    let mut first = idle.into_iter().next().unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut buffer = [0u8; 16];
    match first.read(&mut buffer) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("an idle connection was left open: {other:?}"),
    }
    // Slow clients are cut off at the header timeout, not served for ever.
    for client in slow {
        assert!(client.join().unwrap() < Duration::from_secs(30));
    }
    let lines = lines.lock().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("8 connections are open, the limit")),
        "{lines:?}"
    );
}

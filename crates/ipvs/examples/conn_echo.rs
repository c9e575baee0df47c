//! The two ends of the connection-survival benchmark
//! (benches/conn-survival.sh), compiled because the VM emulates its CPU:
//! a Python client spent more time interpreting than the kernel spent
//! forwarding, and echoes came late for that reason alone.
//!
//!   conn_echo serve PORT
//!       A real server: a connection whose first line is an HTTP request
//!       gets "test" (ldirectord's negotiate check of the seed's
//!       test.html); any other has every line echoed back while it lasts.
//!
//!   conn_echo client ADDR:PORT N SECONDS KILLFILE
//!       N long-lived connections, each sending a line every 100 ms and
//!       reading the echoes on its own thread, until SECONDS after the
//!       Unix time that KILLFILE holds once it appears (the director's
//!       death; written by the caller whenever it is ready, so the client
//!       need not guess how long the setup takes). At the end, one JSON
//!       object on stdout: how many connected, the kill time, and per
//!       connection how it ended, when (`ended_at`), and when its echoes
//!       arrived (from one second before the kill on).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const INTERVAL: Duration = Duration::from_millis(100);

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn serve(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(("0.0.0.0", port))?;
    for conn in listener.incoming().flatten() {
        thread::spawn(move || {
            let _ = answer(conn);
        });
    }
    Ok(())
}

fn answer(conn: TcpStream) -> std::io::Result<()> {
    let mut out = conn.try_clone()?;
    let mut lines = BufReader::new(conn);
    let mut line = String::new();
    lines.read_line(&mut line)?;
    if line.starts_with("GET ") || line.starts_with("HEAD ") {
        // The request's headers, up to the blank line.
        loop {
            line.clear();
            if lines.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                break;
            }
        }
        out.write_all(
            b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\ntest\n",
        )?;
        return Ok(());
    }
    while !line.is_empty() {
        out.write_all(line.as_bytes())?;
        line.clear();
        lines.read_line(&mut line)?;
    }
    Ok(())
}

#[derive(Default)]
struct Conn {
    established: bool,
    end: String,
    /// When it ended (reset, closed, an error), if it did.
    ended_at: Option<f64>,
    echoes: Vec<f64>,
}

fn one(addr: SocketAddr, i: usize, stop: Arc<AtomicBool>, state: Arc<Mutex<Conn>>) {
    let conn = match TcpStream::connect_timeout(&addr, Duration::from_secs(10)) {
        Ok(c) => c,
        Err(e) => {
            state.lock().unwrap().end = format!("connect failed: {e}");
            return;
        }
    };
    {
        let mut s = state.lock().unwrap();
        s.established = true;
        s.end = "open".into();
    }
    let reader_state = state.clone();
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    thread::spawn(move || {
        let mut lines = BufReader::new(read_half);
        let mut line = String::new();
        loop {
            line.clear();
            let end = match lines.read_line(&mut line) {
                Ok(0) => "closed".to_string(),
                Ok(_) => {
                    reader_state.lock().unwrap().echoes.push(now());
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => "reset".into(),
                Err(e) => format!("error: {e}"),
            };
            let mut s = reader_state.lock().unwrap();
            if s.end == "open" {
                s.end = end;
                s.ended_at = Some(now());
            }
            return;
        }
    });
    // Writes go on while the path is broken: the kernel queues them and
    // TCP retransmits, as any long-lived client would.
    let mut out = conn;
    let mut k = 0u64;
    while !stop.load(Ordering::Relaxed) {
        k += 1;
        if let Err(e) = out.write_all(format!("{i} {k}\n").as_bytes()) {
            // A reset reported to the writer is not reported again to
            // the reader (which then reads an end of file): kept here.
            let mut s = state.lock().unwrap();
            if s.end == "open" {
                s.end = match e.kind() {
                    std::io::ErrorKind::ConnectionReset => "reset".into(),
                    _ => format!("error: {e}"),
                };
                s.ended_at = Some(now());
            }
            break;
        }
        thread::sleep(INTERVAL);
    }
}

/// The kill time, once the caller has written it.
fn kill_time(killfile: &str) -> Option<f64> {
    std::fs::read_to_string(killfile)
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
}

/// A run that never sees its kill still ends.
const MAX_RUN: Duration = Duration::from_secs(600);

fn client(addr: SocketAddr, n: usize, seconds: f64, killfile: &str) {
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let states: Vec<Arc<Mutex<Conn>>> = (0..n).map(|_| Arc::default()).collect();
    let mut writers = Vec::new();
    // Spread the connects over the first second, as clients arrive.
    for (i, s) in states.iter().enumerate() {
        let (s, stop) = (s.clone(), stop.clone());
        writers.push(thread::spawn(move || one(addr, i, stop, s)));
        thread::sleep(Duration::from_secs_f64(1.0 / n as f64));
    }
    let killed = loop {
        if let Some(k) = kill_time(killfile) {
            let left = k + seconds - now();
            if left > 0.0 {
                thread::sleep(Duration::from_secs_f64(left));
            }
            break Some(k);
        }
        if started.elapsed() > MAX_RUN {
            break None;
        }
        thread::sleep(INTERVAL);
    };
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        let _ = w.join();
    }
    let keep_from = killed.unwrap_or_else(now) - 1.0;
    let mut established = 0;
    let mut conns = Vec::new();
    for s in &states {
        let s = s.lock().unwrap();
        established += s.established as usize;
        let echoes: Vec<String> = s
            .echoes
            .iter()
            .filter(|&&t| t >= keep_from)
            .map(|t| format!("{t:.3}"))
            .collect();
        conns.push(format!(
            "{{\"end\": \"{}\", \"ended_at\": {}, \"echoes\": [{}]}}",
            s.end.replace(['"', '\\'], "'"),
            s.ended_at.map_or("null".to_string(), |t| format!("{t:.3}")),
            echoes.join(", ")
        ));
    }
    println!(
        "{{\"connections\": {n}, \"established\": {established}, \"killed\": {}, \"conns\": [{}]}}",
        killed.map_or("null".to_string(), |k| format!("{k:.3}")),
        conns.join(", ")
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: conn_echo serve PORT | conn_echo client ADDR:PORT N SECONDS KILLFILE";
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["serve", port] => match port.parse() {
            Ok(p) => {
                if let Err(e) = serve(p) {
                    eprintln!("conn_echo: {e}");
                    std::process::exit(1);
                }
            }
            Err(_) => eprintln!("{usage}"),
        },
        ["client", addr, n, seconds, killfile] => {
            match (addr.parse(), n.parse(), seconds.parse()) {
                (Ok(a), Ok(n), Ok(s)) => client(a, n, s, killfile),
                _ => eprintln!("{usage}"),
            }
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

//! A TCP relay on 127.0.0.1:0 for the fixture's own address.
//!
//! Some of the fixture's backends call KrakenD itself (`:8080`, its
//! `/__debug/`). That address is compiled into the gateway, so it must be
//! known before the build, but the gateway listens on an ephemeral port
//! known only once it runs. The relay listens first; the fixture points at
//! it; once the gateway is up, each connection is piped to it byte for
//! byte. What answers is the gateway's own `/__debug/`.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::WAIT;

/// The relay; its threads end with the test process.
pub struct Relay {
    /// Where it listens.
    pub addr: SocketAddr,
    target: Arc<Mutex<Option<String>>>,
}

impl Relay {
    /// Listens on 127.0.0.1:0 and pipes every connection to the target
    /// (waiting for it to be set, at most [`WAIT`]).
    pub fn start() -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let target: Arc<Mutex<Option<String>>> = Arc::default();
        let shared = Arc::clone(&target);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let target = Arc::clone(&shared);
                std::thread::spawn(move || pipe(client, &target));
            }
        });
        Relay { addr, target }
    }

    /// Where to pipe to from now on.
    pub fn set_target(&self, addr: &str) {
        *self.target.lock().unwrap() = Some(addr.to_owned());
    }
}

fn pipe(client: TcpStream, target: &Mutex<Option<String>>) {
    let deadline = Instant::now() + WAIT;
    let addr = loop {
        if let Some(a) = target.lock().unwrap().clone() {
            break a;
        }
        if Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let Ok(server) = TcpStream::connect(&addr) else {
        return;
    };
    for s in [&client, &server] {
        let _ = s.set_read_timeout(Some(WAIT));
    }
    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || copy(client2, server2));
    copy(server, client);
    let _ = up.join();
}

/// Copies until end of stream (or a timeout), then half-closes the other side.
fn copy(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 || to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

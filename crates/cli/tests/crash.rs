//! A power cut under load: `jiceng serve` is killed (SIGKILL, no shutdown) while
//! intakes are in flight, and every case it acknowledged must be in the database.
//! Runs the real binary on the test database (SQLite file, or PostgreSQL with
//! `JICENG_TEST_DATABASE_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiceng_core::Role;
use jiceng_domain::appeals::store::AppealStore;
use jiceng_testkit::{data_key_hex, env, fixture};

/// One HTTP/1.1 request on its own connection; the status and the body.
fn post(port: u16, path: &str, token: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    let (_, body) = out.split_once("\r\n\r\n")?;
    Some((status, body.to_string()))
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_keeps_every_case_it_acknowledged() {
    let env = env().await;
    let f = fixture(&env.ctx).await;
    let token = f.token(Role::Resident).to_string();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_jiceng"))
            .args(env.cli_args())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("JICENG_DATA_KEY", data_key_hex())
            .env("JICENG_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start jiceng serve"),
    );
    let started = Instant::now();
    while !healthy(port) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Clients submit as fast as they are answered until the power goes.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..16)
        .map(|w| {
            let (acked, stop, token) = (acked.clone(), stop.clone(), token.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let body = serde_json::json!({"category": "1301", "description": format!("夜间噪音 {w}-{i}")});
                    if let Some((201, reply)) = post(port, "/api/v1/cases", &token, &body.to_string())
                    {
                        let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
                        let number = v["case"]["number"].as_str().unwrap().to_string();
                        acked.lock().unwrap().push(number);
                    }
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 300 {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "too few intakes answered"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.0.kill().expect("kill -9");
    let _ = server.0.wait();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let mut missing = vec![];
    for number in &acked {
        if env.store.case_by_number(number).await.unwrap().is_none() {
            missing.push(number.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged cases lost: {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );
}

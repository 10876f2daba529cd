//! A small tokio TCP echo server whose connection tasks each run in a scope
//! of their own.
//!
//! The example starts the server on 127.0.0.1, connects three clients of its
//! own, stops one connection, checks that the others still echo, then stops
//! everything and shows every connection closing cleanly: each finishes the
//! echo it is writing (`critical!`), closes its socket and reports.
//!
//! Run it with `cargo run --example server`.

use std::io;
use std::sync::{Arc, Mutex};

use gracefully::{FutureExt, InterruptHandle, ThreadExit, critical, interruptible};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One connection's bookkeeping; reports when the connection ends.
struct Connection {
    id: usize,
    echoed: usize,
}

impl Drop for Connection {
    fn drop(&mut self) {
        println!(
            "server: connection {} closed after echoing {} bytes",
            self.id, self.echoed
        );
    }
}

/// Echoes until the client leaves or the connection's scope is interrupted.
#[interruptible]
async fn serve(id: usize, mut socket: TcpStream) -> io::Result<()> {
    let mut connection = Connection { id, echoed: 0 };
    let mut buffer = [0; 1024];
    loop {
        // An interruption point: a `read` is safe to give up.
        let n = socket.read(&mut buffer).await?;
        if n == 0 {
            return Ok(());
        }
        // `write_all` is not: a dropped one leaves half an echo. In here
        // the await is not an interruption point.
        critical! { socket.write_all(&buffer[..n]).await? };
        connection.echoed += n;
    }
}

type Connections = Arc<Mutex<Vec<(usize, InterruptHandle, JoinHandle<io::Result<()>>)>>>;

/// Accepts connections until interrupted; each gets a scope of its own.
async fn accept(listener: TcpListener, connections: Connections) -> io::Result<()> {
    let mut next = 0;
    loop {
        // Macros such as `select!` are opaque to `#[interruptible]`: the
        // `interrupted()` branch is what stops this loop on a request.
        let (socket, _) = tokio::select! {
            exit = gracefully::interrupted() => return Err(exit.into()),
            accepted = listener.accept() => accepted?,
        };
        let scope = InterruptHandle::new();
        let task = tokio::spawn(serve(next, socket).with_interrupt(scope.clone()));
        connections.lock().unwrap().push((next, scope, task));
        next += 1;
    }
}

/// Sends `line` and reads the echo back.
async fn echo(client: &mut TcpStream, line: &str) -> io::Result<String> {
    client.write_all(line.as_bytes()).await?;
    let mut echoed = vec![0; line.len()];
    client.read_exact(&mut echoed).await?;
    Ok(String::from_utf8_lossy(&echoed).into_owned())
}

/// How a task ended, for the report.
fn outcome(result: io::Result<()>) -> String {
    match result {
        Ok(()) => "ended by its client".to_owned(),
        Err(error) => match ThreadExit::from_io(&error) {
            Some(exit) => format!("stopped ({exit})"),
            None => format!("failed: {error}"),
        },
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    println!("server: listening on {address}");

    let connections = Connections::default();
    let acceptor = InterruptHandle::new();
    let accepting =
        tokio::spawn(accept(listener, Arc::clone(&connections)).with_interrupt(acceptor.clone()));

    let mut clients = Vec::new();
    for id in 0..3 {
        let mut client = TcpStream::connect(address).await?;
        let reply = echo(&mut client, &format!("hello from client {id}\n")).await?;
        print!("client {id}: got back {reply}");
        clients.push(client);
    }
    while connections.lock().unwrap().len() < 3 {
        tokio::task::yield_now().await;
    }

    println!("main: stopping connection 1 alone");
    let (id, scope, task) = connections.lock().unwrap().remove(1);
    scope.interrupt();
    println!("server: connection task {id} {}", outcome(task.await?));
    let mut closed = [0; 1];
    assert_eq!(
        clients[1].read(&mut closed).await?,
        0,
        "client 1 sees the end"
    );
    print!(
        "client 0: got back {}",
        echo(&mut clients[0], "still here\n").await?
    );

    println!("main: stopping everything");
    acceptor.interrupt();
    let remaining: Vec<_> = connections.lock().unwrap().drain(..).collect();
    for (_, scope, _) in &remaining {
        scope.interrupt();
    }
    println!("server: accept loop {}", outcome(accepting.await?));
    for (id, _, task) in remaining {
        println!("server: connection task {id} {}", outcome(task.await?));
    }
    for client in &mut clients {
        assert_eq!(
            client.read(&mut closed).await?,
            0,
            "every client sees the end"
        );
    }
    println!("main: every connection closed cleanly");
    Ok(())
}

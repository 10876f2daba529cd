//! A mio event loop that waits on its sockets and on a request at once,
//! through `InterruptHandle::wake_fd`: no tick, and the loop stops the
//! moment it is asked to.
//!
//! The example runs an echo server's loop on a thread of its own, connects
//! a client, has two lines echoed, then interrupts the loop's thread: the
//! loop wakes on the wake descriptor's token, closes its connections and
//! reports.
//!
//! Run it with `cargo run -p gracefully-tests --example event_loop` (unix).

#[cfg(unix)]
fn main() -> std::io::Result<()> {
    unix::main()
}

#[cfg(not(unix))]
fn main() {
    eprintln!("wake_fd is for unix event loops");
}

#[cfg(unix)]
mod unix {
    use std::collections::HashMap;
    use std::io::{self, BufRead, BufReader, Read, Write};
    use std::os::fd::AsRawFd;

    use mio::net::{TcpListener, TcpStream};
    use mio::unix::SourceFd;
    use mio::{Events, Interest, Poll, Token};

    const WAKE: Token = Token(0);
    const LISTENER: Token = Token(1);

    /// Echoes on every connection until the thread's scope is requested.
    fn serve(mut listener: TcpListener) -> io::Result<()> {
        let wake = gracefully::current().wake_fd()?;
        let mut poll = Poll::new()?;
        poll.registry()
            .register(&mut SourceFd(&wake.as_raw_fd()), WAKE, Interest::READABLE)?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let mut connections: HashMap<Token, TcpStream> = HashMap::new();
        let mut next = 2;
        let mut events = Events::with_capacity(64);
        loop {
            poll.poll(&mut events, None)?; // no timeout: nothing to tick for
            for event in &events {
                match event.token() {
                    WAKE => {
                        let exit = gracefully::check().unwrap_err();
                        println!(
                            "loop: stopped ({exit}), closing {} connections",
                            connections.len()
                        );
                        return Ok(());
                    }
                    LISTENER => loop {
                        match listener.accept() {
                            Ok((mut socket, peer)) => {
                                let token = Token(next);
                                next += 1;
                                poll.registry()
                                    .register(&mut socket, token, Interest::READABLE)?;
                                println!("loop: connection from {peer}");
                                connections.insert(token, socket);
                            }
                            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                            Err(error) => return Err(error),
                        }
                    },
                    token => {
                        let Some(socket) = connections.get_mut(&token) else {
                            continue;
                        };
                        let mut buffer = [0; 1024];
                        loop {
                            match socket.read(&mut buffer) {
                                Ok(0) => {
                                    connections.remove(&token);
                                    break;
                                }
                                Ok(n) => socket.write_all(&buffer[..n])?,
                                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                                    break;
                                }
                                Err(error) => return Err(error),
                            }
                        }
                    }
                }
            }
        }
    }

    pub(super) fn main() -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0".parse().expect("an address"))?;
        let address = listener.local_addr()?;
        let server = gracefully::spawn(move || serve(listener));

        let client = std::net::TcpStream::connect(address)?;
        let mut lines = BufReader::new(client.try_clone()?);
        for line in ["first line\n", "second line\n"] {
            (&client).write_all(line.as_bytes())?;
            let mut echoed = String::new();
            lines.read_line(&mut echoed)?;
            print!("client: echoed {echoed}");
        }

        server.interrupt();
        server
            .join()
            .map_err(|error| io::Error::other(error.to_string()))??;
        println!("main: the loop has stopped");
        Ok(())
    }
}

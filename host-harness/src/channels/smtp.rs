//! A minimal SMTP client (RFC 5321): EHLO, MAIL, RCPT, DATA with dot-stuffing, QUIT. Enough
//! to hand a message to the configured relay; 4xx replies are transient, 5xx permanent.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// Worth retrying later (4xx, or the server could not be reached).
    #[error("transient: {0}")]
    Transient(String),
    /// The server refused for good (5xx): try another channel.
    #[error("permanent: {0}")]
    Permanent(String),
}

fn reply(r: &mut impl BufRead, want: u16) -> Result<(), SmtpError> {
    loop {
        let mut line = String::new();
        r.read_line(&mut line)
            .map_err(|e| SmtpError::Transient(format!("reading: {e}")))?;
        let code: u16 = line
            .get(..3)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| SmtpError::Transient(format!("bad reply {line:?}")))?;
        if line.as_bytes().get(3) == Some(&b'-') {
            continue; // a multi-line reply goes on
        }
        return match code {
            c if c == want => Ok(()),
            400..=499 => Err(SmtpError::Transient(line.trim_end().into())),
            _ => Err(SmtpError::Permanent(line.trim_end().into())),
        };
    }
}

/// Send `message` (CRLF line endings) from `from` to `to` through `server` (`host:port`).
pub fn send(server: &str, from: &str, to: &str, message: &str) -> Result<(), SmtpError> {
    let io = |e: std::io::Error| SmtpError::Transient(format!("{server}: {e}"));
    let stream = TcpStream::connect(server).map_err(io)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(io)?;
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .map_err(io)?;
    let mut w = stream.try_clone().map_err(io)?;
    let mut r = BufReader::new(stream);
    let cmd = |w: &mut TcpStream,
               r: &mut BufReader<TcpStream>,
               line: &str,
               want: u16|
     -> Result<(), SmtpError> {
        w.write_all(format!("{line}\r\n").as_bytes()).map_err(io)?;
        reply(r, want)
    };
    reply(&mut r, 220)?;
    cmd(&mut w, &mut r, "EHLO invoicing.invalid", 250)?;
    cmd(&mut w, &mut r, &format!("MAIL FROM:<{from}>"), 250)?;
    cmd(&mut w, &mut r, &format!("RCPT TO:<{to}>"), 250)?;
    cmd(&mut w, &mut r, "DATA", 354)?;
    let mut data = String::with_capacity(message.len() + 16);
    for line in message.split("\r\n") {
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    cmd(
        &mut w,
        &mut r,
        &format!("{}.", data.trim_end_matches("\r\n").to_owned() + "\r\n"),
        250,
    )?;
    let _ = cmd(&mut w, &mut r, "QUIT", 221);
    Ok(())
}

//! Whose listener answers on a port. A service is given a port that was
//! free a moment before it started; if another process binds it in between,
//! a TCP connection succeeds against that process while the service itself
//! fails with "address in use" and exits. Readiness by TCP accept must
//! therefore check that the listening socket is the service's own.

/// Whether a process in group `pgid` (the service and anything it forked)
/// holds a listening TCP socket on `port`. `None` where the system cannot
/// tell: not Linux, or `/proc` shows no listener on that port (a network
/// namespace we cannot see into). Callers then trust the connection.
#[cfg(target_os = "linux")]
pub(super) fn listener_belongs_to(pgid: u32, port: u16) -> Option<bool> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return None;
    }
    Some(group_members(pgid).any(|pid| holds_any_socket(pid, &inodes)))
}

#[cfg(not(target_os = "linux"))]
pub(super) fn listener_belongs_to(_pgid: u32, _port: u16) -> Option<bool> {
    None
}

/// The socket inodes listening on `port`, on any local address, IPv4 or
/// IPv6 (a dual-stack `[::]` listener accepts IPv4 connections too).
#[cfg(target_os = "linux")]
fn listening_inodes(port: u16) -> Vec<u64> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|line| listening_inode(line, port))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One row of `/proc/net/tcp`: `sl local rem st tx:rx tr:when retr uid
/// timeout inode ...`, the local address as `HEXADDR:HEXPORT`, state `0A`
/// for LISTEN.
#[cfg(target_os = "linux")]
fn listening_inode(row: &str, port: u16) -> Option<u64> {
    let fields: Vec<&str> = row.split_whitespace().collect();
    let (_, local_port) = fields.get(1)?.rsplit_once(':')?;
    let listening = *fields.get(3)? == "0A";
    (listening && u16::from_str_radix(local_port, 16).ok()? == port)
        .then(|| fields.get(9)?.parse().ok())
        .flatten()
}

/// The pids whose process group is `pgid`, from `/proc/<pid>/stat`.
#[cfg(target_os = "linux")]
fn group_members(pgid: u32) -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(move |pid| process_group(*pid) == Some(pgid))
}

#[cfg(target_os = "linux")]
fn process_group(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses,
    // so fields are counted after its last `)`.
    let (_, after_comm) = stat.rsplit_once(')')?;
    after_comm.split_whitespace().nth(2)?.parse().ok()
}

#[cfg(target_os = "linux")]
fn holds_any_socket(pid: u32, inodes: &[u64]) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?;
            target
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse::<u64>()
                .ok()
        })
        .any(|inode| inodes.contains(&inode))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::process::{Command, Stdio};

    fn own_group() -> u32 {
        // SAFETY: getpgrp has no preconditions.
        u32::try_from(unsafe { libc::getpgrp() }).expect("a pgid is positive")
    }

    #[test]
    fn a_listener_of_the_group_belongs_to_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(listener_belongs_to(own_group(), port), Some(true));
    }

    #[test]
    fn another_groups_listener_does_not() {
        use std::os::unix::process::CommandExt;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // A process in a group of its own that listens on nothing: what a
        // service looks like after losing its port to `listener`.
        let mut other = Command::new("sleep")
            .arg("30")
            .process_group(0)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let verdict = listener_belongs_to(other.id(), port);
        let _ = other.kill();
        let _ = other.wait();
        assert_eq!(verdict, Some(false));
    }

    #[test]
    fn no_listener_means_unknown() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert_eq!(listener_belongs_to(own_group(), port), None);
    }

    #[test]
    fn rows_are_read_by_state_and_port() {
        let listen = "   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0";
        assert_eq!(listening_inode(listen, 0x1F90), Some(4242));
        assert_eq!(listening_inode(listen, 0x1F91), None);
        let established = listen.replacen(" 0A ", " 01 ", 1);
        assert_eq!(listening_inode(&established, 0x1F90), None);
    }
}

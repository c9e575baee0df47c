//! The IPVS client: reads and changes the kernel's table over generic
//! netlink. Changes are sent in batches (many requests per `send`), each
//! acknowledged separately, so a refusal is tied to the operation it
//! belongs to and the rest still go through.

use crate::error::{Command, IpvsError, KernelError};
use crate::model::{Dest, Service, ServiceKey, Table};
use crate::netlink::message::{push_request, NLM_F_ACK, NLM_F_DUMP};
use crate::netlink::{GenlSocket, Refusal};
use crate::ops::Operation;
use crate::wire::{consts::*, decode, encode, Info, Timeouts};

/// Requests per `send`: well under the socket buffers on both sides.
const BATCH_BYTES: usize = 60 * 1024;

pub struct Ipvs {
    sock: GenlSocket,
}

/// Operations the kernel refused, by position in the list given to `apply`.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub applied: usize,
    pub failed: Vec<(usize, KernelError)>,
}

impl Ipvs {
    /// Connects to the kernel's IPVS family.
    pub fn open() -> Result<Ipvs, IpvsError> {
        match GenlSocket::open(GENL_NAME)? {
            Some(sock) => Ok(Ipvs { sock }),
            None => Err(IpvsError::NotLoaded),
        }
    }

    /// Like `open`, but loads the ip_vs module first if needed, as ipvsadm
    /// does.
    pub fn open_or_load() -> Result<Ipvs, IpvsError> {
        match Ipvs::open() {
            Err(IpvsError::NotLoaded) => {
                let _ = std::process::Command::new("modprobe")
                    .args(["--", "ip_vs"])
                    .stderr(std::process::Stdio::null())
                    .status();
                Ipvs::open()
            }
            other => other,
        }
    }

    fn request(
        &mut self,
        cmd: u8,
        flags: u16,
        body: impl FnOnce(&mut crate::netlink::attr::AttrWriter),
    ) -> (Vec<u8>, u32) {
        let seq = self.sock.next_seq();
        let mut buf = Vec::with_capacity(128);
        push_request(
            &mut buf,
            self.sock.family(),
            cmd,
            GENL_VERSION,
            flags,
            seq,
            body,
        );
        (buf, seq)
    }

    /// Sends one request and collects its data replies.
    pub(crate) fn call(
        &mut self,
        command: Command,
        service: Option<&ServiceKey>,
        cmd: u8,
        flags: u16,
        body: impl FnOnce(&mut crate::netlink::attr::AttrWriter),
    ) -> Result<Vec<Vec<u8>>, IpvsError> {
        let (buf, seq) = self.request(cmd, flags, body);
        let mut replies = Vec::new();
        let refused = self
            .sock
            .exchange(&buf, seq, 1, |_, _, attrs| replies.push(attrs.to_vec()))?;
        if let Some(r) = refused.into_iter().next() {
            return Err(kernel_error(command, service, None, None, r).into());
        }
        Ok(replies)
    }

    pub fn info(&mut self) -> Result<Info, IpvsError> {
        let replies = self.call(Command::Other, None, CMD_GET_INFO, NLM_F_ACK, |_| {})?;
        let first = replies
            .first()
            .ok_or(crate::wire::DecodeError::Missing("info"))?;
        Ok(decode::info(first)?)
    }

    pub fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        let replies = self.call(Command::Other, None, CMD_GET_CONFIG, NLM_F_ACK, |_| {})?;
        let first = replies
            .first()
            .ok_or(crate::wire::DecodeError::Missing("config"))?;
        Ok(decode::timeouts(first)?)
    }

    /// Sets the timeouts; a zero leaves that one unchanged (kernel rule).
    pub fn set_timeouts(&mut self, t: Timeouts) -> Result<(), IpvsError> {
        self.call(Command::SetTimeouts, None, CMD_SET_CONFIG, NLM_F_ACK, |w| {
            w.u32(CMD_ATTR_TIMEOUT_TCP, t.tcp);
            w.u32(CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin);
            w.u32(CMD_ATTR_TIMEOUT_UDP, t.udp);
        })?;
        Ok(())
    }

    /// Every service with its counters, in the kernel's order, without
    /// destinations.
    pub fn services(&mut self) -> Result<Vec<Service>, IpvsError> {
        let replies = self.call(Command::Other, None, CMD_GET_SERVICE, NLM_F_DUMP, |_| {})?;
        let mut out = Vec::with_capacity(replies.len());
        for r in &replies {
            out.push(decode::service(r)?);
        }
        Ok(out)
    }

    /// One service (without destinations), or None if it does not exist.
    pub fn service(&mut self, key: &ServiceKey) -> Result<Option<Service>, IpvsError> {
        match self.call(
            Command::GetService,
            Some(key),
            CMD_GET_SERVICE,
            NLM_F_ACK,
            |w| encode::service(w, key, None),
        ) {
            Ok(replies) => match replies.first() {
                Some(r) => Ok(Some(decode::service(r)?)),
                None => Ok(None),
            },
            Err(IpvsError::Kernel(k)) if k.errno == libc::ESRCH => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The destinations of one service, in the kernel's order.
    pub fn dests(&mut self, key: &ServiceKey) -> Result<Vec<Dest>, IpvsError> {
        let replies = self.call(
            Command::GetDests,
            Some(key),
            CMD_GET_DEST,
            NLM_F_DUMP,
            |w| encode::service(w, key, None),
        )?;
        let mut out = Vec::with_capacity(replies.len());
        for r in &replies {
            out.push(decode::dest(r, key.family())?);
        }
        Ok(out)
    }

    /// Every service with its destinations and counters, in the kernel's
    /// order.
    pub fn dump_services(&mut self) -> Result<Vec<Service>, IpvsError> {
        let mut services = self.services()?;
        for s in &mut services {
            s.dests = self.dests(&s.key)?;
        }
        Ok(services)
    }

    /// The whole table, as the diff engine's "current" side.
    pub fn dump(&mut self) -> Result<Table, IpvsError> {
        Ok(Table::from_services(self.dump_services()?))
    }

    /// Applies `ops` in order. Requests go out in batches; a refused one is
    /// reported and the others still apply, as `ipvsadm -R` would continue.
    pub fn apply(&mut self, ops: &[Operation]) -> Result<ApplyReport, IpvsError> {
        let mut report = ApplyReport::default();
        let mut start = 0;
        let mut buf = Vec::with_capacity(BATCH_BYTES + 512);
        while start < ops.len() {
            buf.clear();
            let first_seq = self.sock.peek_seq();
            let mut seq = first_seq;
            let mut end = start;
            while end < ops.len() && buf.len() < BATCH_BYTES {
                encode_op(&mut buf, self.sock.family(), seq, &ops[end]);
                seq = seq.wrapping_add(1);
                end += 1;
            }
            let count = (end - start) as u32;
            self.sock.reserve_seqs(count);
            let refused = self.sock.exchange(&buf, first_seq, count, |_, _, _| {})?;
            report.applied += count as usize - refused.len();
            for r in refused {
                let i = start + r.seq.wrapping_sub(first_seq) as usize;
                let op = &ops[i];
                report.failed.push((i, op_error(op, r)));
            }
            start = end;
        }
        report.failed.sort_by_key(|(i, _)| *i);
        Ok(report)
    }

    /// Applies one operation; its refusal is the error.
    pub fn apply_one(&mut self, op: &Operation) -> Result<(), IpvsError> {
        let mut report = self.apply(std::slice::from_ref(op))?;
        match report.failed.pop() {
            Some((_, e)) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Zeroes the counters of one service, or of all.
    pub fn zero(&mut self, key: Option<&ServiceKey>) -> Result<(), IpvsError> {
        self.call(Command::Zero, key, CMD_ZERO, NLM_F_ACK, |w| {
            if let Some(k) = key {
                encode::service(w, k, None);
            }
        })?;
        Ok(())
    }

    /// Removes every service.
    pub fn flush(&mut self) -> Result<(), IpvsError> {
        self.call(Command::Flush, None, CMD_FLUSH, NLM_F_ACK, |_| {})?;
        Ok(())
    }
}

/// Appends the request for `op` to `buf`.
pub fn encode_op(buf: &mut Vec<u8>, family: u16, seq: u32, op: &Operation) {
    let cmd = match op {
        Operation::AddService { .. } => CMD_NEW_SERVICE,
        Operation::EditService { .. } => CMD_SET_SERVICE,
        Operation::DelService { .. } => CMD_DEL_SERVICE,
        Operation::AddDest { .. } => CMD_NEW_DEST,
        Operation::EditDest { .. } => CMD_SET_DEST,
        Operation::DelDest { .. } => CMD_DEL_DEST,
    };
    push_request(
        buf,
        family,
        cmd,
        GENL_VERSION,
        NLM_F_ACK,
        seq,
        |w| match op {
            Operation::AddService { key, conf } | Operation::EditService { key, conf } => {
                encode::service(w, key, Some(conf))
            }
            Operation::DelService { key } => encode::service(w, key, None),
            Operation::AddDest {
                service,
                addr,
                conf,
            }
            | Operation::EditDest {
                service,
                addr,
                conf,
            } => {
                encode::service(w, service, None);
                encode::dest(w, addr, Some(conf));
            }
            Operation::DelDest { service, addr } => {
                encode::service(w, service, None);
                encode::dest(w, addr, None);
            }
        },
    );
}

fn kernel_error(
    command: Command,
    service: Option<&ServiceKey>,
    dest: Option<std::net::SocketAddr>,
    scheduler: Option<String>,
    r: Refusal,
) -> KernelError {
    KernelError {
        command,
        service: service.copied(),
        dest,
        scheduler,
        errno: r.errno,
        detail: r.message,
    }
}

fn op_error(op: &Operation, r: Refusal) -> KernelError {
    let (service, dest, sched) = match op {
        Operation::AddService { key, conf } | Operation::EditService { key, conf } => {
            (key, None, Some(conf.scheduler.clone()))
        }
        Operation::DelService { key } => (key, None, None),
        Operation::AddDest { service, addr, .. }
        | Operation::EditDest { service, addr, .. }
        | Operation::DelDest { service, addr } => (service, Some(*addr), None),
    };
    kernel_error(Command::of(op), Some(service), dest, sched, r)
}

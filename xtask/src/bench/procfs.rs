//! What `/proc` tells about a process and the machine: CPU time, memory, the open-file
//! limit, the CPUs we may run on, and the machine's description. Linux only; elsewhere each
//! reader returns `None` and the figures that need it are left out.

use std::fs;
use std::process::Command;

/// A process's CPU time so far, user plus system, in clock ticks (`utime + stime`, fields 14
/// and 15 of `/proc/<pid>/stat`; threads that have exited are included).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `after_name` starts at field 3 (state): field 14 is index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100, the Linux value, when that fails).
pub fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|ticks: &f64| *ticks > 0.0)
        .unwrap_or(100.0)
}

/// A `kB` line of `/proc/<pid>/status`, such as `VmRSS` (resident now) or `VmHWM` (the
/// resident peak), in bytes.
pub fn status_bytes(pid: u32, key: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_field(&status, key)
}

/// The value of `key:` in a `/proc/<pid>/status` text, in bytes (`123 kB` → 125952).
fn status_field(status: &str, key: &str) -> Option<u64> {
    let line = status
        .lines()
        .find(|line| line.split(':').next() == Some(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The process name in `/proc/<pid>/comm`.
pub fn comm(pid: u32) -> Option<String> {
    Some(
        fs::read_to_string(format!("/proc/{pid}/comm"))
            .ok()?
            .trim()
            .to_owned(),
    )
}

/// This process's open-file limit, soft and hard (`Max open files` in `/proc/self/limits`;
/// `unlimited` reads as `u64::MAX`).
pub fn open_file_limits() -> Option<(u64, u64)> {
    let limits = fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut values = line["Max open files".len()..].split_whitespace().map(|v| {
        if v == "unlimited" {
            Some(u64::MAX)
        } else {
            v.parse().ok()
        }
    });
    Some((values.next()??, values.next()??))
}

/// The CPUs this process may run on (`Cpus_allowed_list` of `/proc/self/status`, such as
/// `0-3,6`), in order.
pub fn allowed_cpus() -> Option<Vec<u32>> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))?;
    parse_cpu_list(list.trim())
}

/// `0-3,6` → `[0, 1, 2, 3, 6]`.
fn parse_cpu_list(list: &str) -> Option<Vec<u32>> {
    let mut cpus = Vec::new();
    for part in list.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((first, last)) => cpus.extend(first.parse::<u32>().ok()?..=last.parse().ok()?),
            None => cpus.push(part.parse().ok()?),
        }
    }
    Some(cpus)
}

/// How busy the machine's CPUs are, in percent of all of them, over `interval` (from the
/// `cpu` line of `/proc/stat`: everything but idle and iowait time counts as busy).
pub fn busy_percent(interval: std::time::Duration) -> Option<f64> {
    let before = cpu_times()?;
    std::thread::sleep(interval);
    let after = cpu_times()?;
    let total = after.0.saturating_sub(before.0) as f64;
    let idle = after.1.saturating_sub(before.1) as f64;
    (total > 0.0).then(|| 100.0 * (1.0 - idle / total))
}

/// All CPU time and the idle part of it (idle + iowait), in ticks, from `/proc/stat`.
fn cpu_times() -> Option<(u64, u64)> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    parse_cpu_line(stat.lines().next()?)
}

/// `cpu  user nice system idle iowait irq softirq steal ...` → (sum of the eight, idle +
/// iowait). Guest time is already inside user time, so it is not added again.
fn parse_cpu_line(line: &str) -> Option<(u64, u64)> {
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let values: Vec<u64> = fields
        .take(8)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let total = values.iter().sum();
    Some((total, values.get(3)? + values.get(4)?))
}

/// The machine, for the report: CPU model, CPUs we may use, kernel, load average.
pub struct Machine {
    /// `model name` of `/proc/cpuinfo`.
    pub cpu_model: String,
    /// How many CPUs this process may use (`nproc`).
    pub cpus: usize,
    /// `/proc/sys/kernel/osrelease`.
    pub kernel: String,
    /// The 1-minute load average when the run started (`/proc/loadavg`).
    pub load_average: f64,
}

impl Machine {
    /// Reads the machine's description; unknown parts read as `unknown` or 0.
    pub fn read() -> Self {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.trim().to_owned());
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".to_owned(), |v| v.trim().to_owned());
        let load_average = fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        Self {
            cpu_model,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            kernel,
            load_average,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_fields_in_bytes() {
        let status = "Name:\tswitchboard\nVmHWM:\t   15360 kB\nVmRSS:\t   12288 kB\n";
        assert_eq!(status_field(status, "VmRSS"), Some(12288 * 1024));
        assert_eq!(status_field(status, "VmHWM"), Some(15360 * 1024));
        assert_eq!(status_field(status, "VmSwap"), None);
    }

    #[test]
    fn reads_the_cpu_line_of_proc_stat() {
        let line = "cpu  100 5 50 800 20 3 2 0 0 0";
        assert_eq!(parse_cpu_line(line), Some((980, 820)));
        assert_eq!(parse_cpu_line("cpu0 1 2 3 4 5 6 7 8"), None);
        assert_eq!(parse_cpu_line("cpu 1 2"), None);
    }

    #[test]
    fn parses_cpu_lists() {
        assert_eq!(parse_cpu_list("0-3,6"), Some(vec![0, 1, 2, 3, 6]));
        assert_eq!(parse_cpu_list("1"), Some(vec![1]));
        assert_eq!(parse_cpu_list("x"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(cpu_ticks(pid).is_some());
        assert!(status_bytes(pid, "VmRSS").is_some_and(|rss| rss > 0));
        assert!(open_file_limits().is_some_and(|(soft, hard)| soft <= hard));
        assert!(allowed_cpus().is_some_and(|cpus| !cpus.is_empty()));
    }
}

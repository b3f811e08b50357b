//! The benchmark over real code: the release `blocklint` binary over the
//! vendored corpus (`scripts/vendor-corpus.sh`), whole-process, at one
//! thread and at one per core, beside what a naive design would pay (parse
//! every file with syn) and what reading and scanning alone costs (ripgrep).
//!
//! ```text
//! scripts/vendor-corpus.sh && cargo bench --bench corpus
//! cargo bench --bench corpus -- --corpus target/soak-corpus --runs 3
//! ```
//!
//! Options (after `--`): `--corpus DIR` (default target/corpus), `--runs N`
//! (median of N runs per measurement, default 1), `--timeout SECS` (a
//! blocklint run still going after this is killed and reported, default
//! 900), `--editor-crate DIR` and `--editor-file PATH` (the single-file run,
//! default tokio's `src/fs/file.rs` in the corpus).
//!
//! Peak memory is the binary's maximum resident set size as `/usr/bin/time
//! -v` reports it; the parse baseline runs inside this process, so only its
//! time is compared. Targets are from issue 6 and printed with each number.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The same allocator as the binary, so the parse baseline is not slowed
/// by one the linter does not use.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BLOCKLINT: &str = env!("CARGO_BIN_EXE_blocklint");

struct Args {
    corpus: PathBuf,
    runs: usize,
    timeout: u64,
    editor_crate: Option<PathBuf>,
    editor_file: PathBuf,
}

fn parse_args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = Args {
        corpus: root.join("target/corpus"),
        runs: 1,
        timeout: 900,
        editor_crate: None,
        editor_file: PathBuf::from("src/fs/file.rs"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            // cargo passes `--bench` to every harness = false bench.
            "--bench" => {}
            "--corpus" => args.corpus = PathBuf::from(value()),
            "--runs" => args.runs = value().parse().unwrap_or_else(|_| usage("--runs N")),
            "--timeout" => {
                args.timeout = value().parse().unwrap_or_else(|_| usage("--timeout SECS"))
            }
            "--editor-crate" => args.editor_crate = Some(PathBuf::from(value())),
            "--editor-file" => args.editor_file = PathBuf::from(value()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if args.editor_crate.is_none() {
        args.editor_crate = std::fs::read_dir(&args.corpus).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("tokio-1."))
                })
                .max()
        });
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "error: {problem}\nusage: cargo bench --bench corpus -- [--corpus DIR] [--runs N] \
         [--timeout SECS] [--editor-crate DIR] [--editor-file PATH]"
    );
    std::process::exit(2)
}

/// One whole-process run of a command.
struct Run {
    seconds: f64,
    /// User plus system CPU time, when `/usr/bin/time` reports it.
    cpu_seconds: Option<f64>,
    peak_bytes: Option<u64>,
    stdout: Vec<u8>,
    stderr: String,
    status: String,
    timed_out: bool,
}

/// Runs `program args` under `/usr/bin/time -v` (when present) and a kill
/// timer, so a run that hangs is reported instead of stalling the bench.
fn measure(program: &str, args: &[&str], dir: &Path, stdin: Option<&Path>, timeout: u64) -> Run {
    let time = Path::new("/usr/bin/time");
    let timer = Path::new("/usr/bin/timeout");
    let mut argv: Vec<String> = Vec::new();
    if time.exists() {
        argv.extend(["/usr/bin/time".into(), "-v".into()]);
    }
    if timer.exists() {
        argv.extend([
            "/usr/bin/timeout".into(),
            "--signal=KILL".into(),
            timeout.to_string(),
        ]);
    }
    argv.push(program.into());
    argv.extend(args.iter().map(|a| a.to_string()));
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(input) = stdin {
        command.stdin(std::fs::File::open(input).expect("stdin file"));
    }
    let started = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let peak_bytes = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024);
    let field = |name: &str| {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    let cpu_seconds = field("User time (seconds):")
        .zip(field("System time (seconds):"))
        .map(|(user, system)| user + system);
    let exit = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Exit status:"))
        .and_then(|c| c.trim().parse::<i32>().ok())
        .or(output.status.code());
    let timed_out = stderr.contains("Command terminated by signal 9")
        || (exit.is_none() && seconds >= timeout as f64);
    let status = match exit {
        Some(code) => format!("exit {code}"),
        None => "killed".into(),
    };
    Run {
        seconds,
        cpu_seconds,
        peak_bytes,
        stdout: output.stdout,
        stderr,
        status,
        timed_out,
    }
}

fn median(mut runs: Vec<Run>) -> Run {
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let mid = runs.len() / 2;
    runs.swap_remove(mid)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / 1e6 / seconds
}

/// Reads and parses every file with syn on `threads` workers: the cost of a
/// design that builds every tree.
fn parse_all(files: &[PathBuf], threads: usize) -> (f64, f64, usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(blocklint::parse::STACK_SIZE)
        .build()
        .expect("thread pool");
    let started = Instant::now();
    let cpu_started = process_cpu_seconds();
    let failed = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let ok = std::fs::read_to_string(path)
                    .ok()
                    .is_some_and(|text| syn::parse_file(&text).is_ok());
                proc_macro2::extra::invalidate_current_thread_spans();
                usize::from(!ok)
            })
            .sum()
    });
    (
        started.elapsed().as_secs_f64(),
        process_cpu_seconds() - cpu_started,
        failed,
    )
}

/// This process's user plus system CPU time (Linux; 0 elsewhere).
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses: utime and
    // stime are the 12th and 13th, in clock ticks (100 per second).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// A count for the table, `?` when unknown.
fn count(n: Option<usize>) -> String {
    n.map_or("?".into(), |n| n.to_string())
}

/// One measured row of the table; `findings` as shown (`?`: unknown, `-`:
/// not a linter).
fn row(step: &str, threads: usize, run: &Run, bytes: u64, findings: &str, status: &str) {
    println!(
        "{:<22} {:>7} {:>8.2} {:>8} {:>8.1} {:>9} {:>9}  {status}",
        step,
        threads,
        run.seconds,
        run.cpu_seconds.map_or("?".into(), |c| format!("{c:.2}")),
        mb_per_s(bytes, run.seconds),
        run.peak_bytes
            .map_or("?".into(), |b| format!("{:.0}", mib(b))),
        findings,
    );
}

fn check(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

fn main() {
    let args = parse_args();
    if !args.corpus.is_dir() {
        eprintln!(
            "error: {} not found; run scripts/vendor-corpus.sh first",
            args.corpus.display()
        );
        std::process::exit(2);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let thread_counts: Vec<usize> = if cores > 1 { vec![1, cores] } else { vec![1] };

    // The files blocklint checks, found as it finds them.
    let discovered = blocklint::discover::discover(std::slice::from_ref(&args.corpus), &|_| false);
    let files: Vec<PathBuf> = discovered.files.into_iter().map(|f| f.absolute).collect();
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let lines: usize = files
        .par_iter()
        .filter_map(|f| std::fs::read(f).ok())
        .map(|b| b.iter().filter(|c| **c == b'\n').count())
        .sum();
    println!("corpus: {}", args.corpus.display());
    println!(
        "files: {}   bytes: {} ({:.1} MB)   lines: {}   cores: {cores}   runs per number: {} (median)",
        files.len(),
        bytes,
        bytes as f64 / 1e6,
        lines,
        args.runs
    );
    println!("binary: {BLOCKLINT}");
    println!();

    // Warm the page cache so no measurement pays for the disk.
    let _ = parse_all(&files[..files.len().min(1)], 1);
    files.par_iter().for_each(|f| {
        let _ = std::fs::read(f);
    });

    let corpus = args.corpus.to_string_lossy().into_owned();
    let cwd = std::env::current_dir().expect("current folder");
    let mut lint_secs = Vec::new();
    let mut parse_secs = Vec::new();
    let mut peaks = Vec::new();
    println!(
        "{:<22} {:>7} {:>8} {:>8} {:>8} {:>9} {:>9}  status",
        "step", "threads", "wall s", "cpu s", "MB/s", "peak MiB", "findings"
    );
    // Cold runs, interleaved: each round times syn and blocklint at every
    // thread count back to back. The host's speed drifts over the minutes
    // a bench takes; this way the drift moves both sides of each target's
    // ratio alike instead of landing on one of them.
    let lint_args = |jobs: &str| -> Vec<String> {
        [
            "--format",
            "json",
            "--exit-zero",
            "--no-cache",
            "-j",
            jobs,
            &corpus,
        ]
        .map(String::from)
        .to_vec()
    };
    let mut syn_runs: Vec<Vec<(f64, f64, usize)>> = vec![Vec::new(); thread_counts.len()];
    let mut lint_runs: Vec<Vec<Run>> = thread_counts.iter().map(|_| Vec::new()).collect();
    for _ in 0..args.runs {
        for (t, &threads) in thread_counts.iter().enumerate() {
            syn_runs[t].push(parse_all(&files, threads));
            let argv = lint_args(&threads.to_string());
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            lint_runs[t].push(measure(BLOCKLINT, &argv, &cwd, None, args.timeout));
        }
    }
    // Per round: syn's time over blocklint's at the most threads.
    let round_ratios: Vec<f64> = (0..args.runs)
        .map(|r| {
            let last = thread_counts.len() - 1;
            syn_runs[last][r].0 / lint_runs[last][r].seconds
        })
        .collect();
    for (t, &threads) in thread_counts.iter().enumerate() {
        let (seconds, cpu, failed) = {
            let mut all = std::mem::take(&mut syn_runs[t]);
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            all[all.len() / 2]
        };
        parse_secs.push(seconds);
        println!(
            "{:<22} {:>7} {:>8.2} {:>8.2} {:>8.1} {:>9} {:>9}  {failed} files syn cannot parse",
            "syn parse every file",
            threads,
            seconds,
            cpu,
            mb_per_s(bytes, seconds),
            "-",
            "-"
        );

        let jobs = threads.to_string();
        let run = median(std::mem::take(&mut lint_runs[t]));
        let findings = serde_json::from_slice::<serde_json::Value>(&run.stdout)
            .ok()
            .and_then(|v| v.as_array().map(|a| a.len()));
        let status = if run.timed_out {
            format!("KILLED after {} s (timeout)", args.timeout)
        } else if findings.is_none() {
            let stdout = String::from_utf8_lossy(&run.stdout);
            let start: String = stdout.chars().take(200).collect();
            let messages: Vec<&str> = run
                .stderr
                .lines()
                .filter(|l| !l.starts_with('\t'))
                .take(5)
                .collect();
            format!(
                "{}, output is not JSON: {start:?} {} bytes; stderr: {messages:?}",
                run.status,
                stdout.len()
            )
        } else {
            run.status.clone()
        };
        row("blocklint", threads, &run, bytes, &count(findings), &status);
        lint_secs.push((!run.timed_out && findings.is_some()).then_some(run.seconds));
        peaks.push(run.peak_bytes);
        if let Some(rules) = serde_json::from_slice::<serde_json::Value>(&run.stdout)
            .ok()
            .and_then(|v| v.as_array().cloned())
            && threads == *thread_counts.last().unwrap()
        {
            let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
            for f in &rules {
                *counts
                    .entry(f["rule"].as_str().unwrap_or("?").to_string())
                    .or_default() += 1;
            }
            let by_rule: Vec<String> = counts.iter().map(|(r, n)| format!("{r} {n}")).collect();
            println!("{:<22} findings by rule: {}", "", by_rule.join(", "));
        }

        // Warm: a second run over the unchanged corpus, from its cache.
        if threads == *thread_counts.last().unwrap() {
            let cache =
                std::env::temp_dir().join(format!("blocklint-bench-cache-{}", std::process::id()));
            let cache_arg = cache.to_string_lossy().into_owned();
            let warm_args = [
                "--format",
                "json",
                "--exit-zero",
                "--cache-dir",
                &cache_arg,
                "-j",
                &jobs,
                &corpus,
            ];
            let _ = measure(BLOCKLINT, &warm_args, &cwd, None, args.timeout);
            let run = median(
                (0..args.runs)
                    .map(|_| measure(BLOCKLINT, &warm_args, &cwd, None, args.timeout))
                    .collect(),
            );
            let _ = std::fs::remove_dir_all(&cache);
            let findings = serde_json::from_slice::<serde_json::Value>(&run.stdout)
                .ok()
                .and_then(|v| v.as_array().map(|a| a.len()));
            row(
                "blocklint, warm cache",
                threads,
                &run,
                bytes,
                &count(findings),
                &run.status,
            );
        }

        let rg = which("rg");
        match rg {
            Some(rg) => {
                let rg = rg.to_string_lossy().into_owned();
                let rg_args = [
                    "--count-matches",
                    "-j",
                    &jobs,
                    "-t",
                    "rust",
                    "async",
                    &corpus,
                ];
                let run = median(
                    (0..args.runs)
                        .map(|_| measure(&rg, &rg_args, &cwd, None, args.timeout))
                        .collect(),
                );
                row("ripgrep `async`", threads, &run, bytes, "-", &run.status);
            }
            None => println!("{:<22} {:>7}  not installed", "ripgrep:", threads),
        }
    }

    // The editor's run: one file of a large crate, from standard input.
    println!();
    let mut editor = None;
    if let Some(dir) = &args.editor_crate {
        let file = dir.join(&args.editor_file);
        let crate_lines: usize =
            blocklint::discover::discover(std::slice::from_ref(dir), &|_| false)
                .files
                .iter()
                .filter_map(|f| std::fs::read(&f.absolute).ok())
                .map(|b| b.iter().filter(|c| **c == b'\n').count())
                .sum();
        if file.is_file() {
            let file_arg = args.editor_file.to_string_lossy().into_owned();
            let editor_args = [
                "--format",
                "json",
                "--exit-zero",
                "--stdin-filename",
                &file_arg,
            ];
            // The first run warms the page cache (and a cache, once there is one).
            let _ = measure(BLOCKLINT, &editor_args, dir, Some(&file), args.timeout);
            let run = median(
                (0..args.runs.max(5))
                    .map(|_| measure(BLOCKLINT, &editor_args, dir, Some(&file), args.timeout))
                    .collect(),
            );
            println!(
                "editor run: --stdin-filename {} in {} ({} lines): {:.0} ms wall, {} MiB peak, {}",
                args.editor_file.display(),
                dir.display(),
                crate_lines,
                run.seconds * 1000.0,
                run.peak_bytes
                    .map_or("?".into(), |b| format!("{:.0}", mib(b))),
                run.status
            );
            editor = Some((run.seconds, crate_lines));
        } else {
            println!("editor run: {} not found, skipped", file.display());
        }
    } else {
        println!("editor run: no tokio crate in the corpus, skipped (--editor-crate DIR)");
    }

    // Against issue 6's targets.
    println!();
    println!("targets (issue 6):");
    let last = thread_counts.len() - 1;
    match lint_secs[last] {
        Some(lint) => {
            let ratio = parse_secs[last] / lint;
            let rounds: Vec<String> = round_ratios.iter().map(|r| format!("{r:.2}")).collect();
            println!(
                "  whole corpus >= 2x faster than parsing every file ({} threads): {ratio:.2}x ({:.2} s vs {:.2} s; per round {}) -> {}",
                thread_counts[last],
                lint,
                parse_secs[last],
                rounds.join(", "),
                check(ratio >= 2.0)
            );
        }
        None => println!(
            "  whole corpus >= 2x faster than parsing every file: run did not finish -> NOT met"
        ),
    }
    if let (Some(one), Some(all)) = (lint_secs[0], lint_secs[last])
        && last > 0
    {
        let speedup = one / all;
        println!(
            "  {} cores >= 1.7x faster than 1: {speedup:.2}x -> {}",
            thread_counts[last],
            check(speedup >= 1.7)
        );
    } else {
        println!(
            "  2 cores >= 1.7x faster than 1: not measured (a run did not finish or one core)"
        );
    }
    let peak = peaks.iter().flatten().max().copied();
    match peak {
        Some(peak) => println!(
            "  peak memory < 1 GiB: {:.0} MiB -> {}",
            mib(peak),
            check(peak < 1 << 30)
        ),
        None => println!("  peak memory < 1 GiB: not measured (/usr/bin/time missing)"),
    }
    match editor {
        Some((seconds, lines)) => println!(
            "  single-file editor run in a {}k-line crate < 100 ms: {:.0} ms -> {}",
            lines / 1000,
            seconds * 1000.0,
            check(seconds < 0.1)
        ),
        None => println!("  single-file editor run < 100 ms: not measured"),
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

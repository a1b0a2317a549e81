//! Runs workspaces' code hooks as sandboxed WebAssembly.
//!
//! A hook is a WebAssembly module the team keeps in its repository, pinned
//! in the model by its SHA-256 ([`model::Hook`](datasurface_core::Hook)).
//! [`WasmHook::load`] checks the module once (its hash, that it is valid
//! WebAssembly, that it imports nothing and exports what the contract
//! needs); [`WasmHook`] then implements the contract's
//! `Hook` trait, so a platform asks it
//! like any other hook.
//!
//! # The sandbox
//!
//! - **No capabilities.** A hook may import nothing: no filesystem, network,
//!   clock, randomness or environment. The event carries the time, so the
//!   same input always gets the same decision.
//! - **Fresh each time.** Each decision instantiates the module anew (a few
//!   microseconds: the module is compiled once, at load), so nothing leaks
//!   from one decision to the next.
//! - **Limits**, each with its own error: fuel (instructions executed,
//!   [`HookError::OutOfFuel`]), memory (growth past the limit traps at once,
//!   [`HookError::OutOfMemory`]) and wall time (checked between slices of
//!   fuel, [`HookError::WallTime`]). A trap, a stack overflow or a loop is
//!   contained: the caller gets an error and applies the hook's failure
//!   policy.
//!
//! # The module's side (contract version 1)
//!
//! The module exports its linear memory as `memory` and three functions:
//!
//! | export | signature | does |
//! |---|---|---|
//! | `ds_contract_version` | `() -> i32` | returns `1` |
//! | `ds_alloc` | `(len: i32) -> i32` | returns the address of `len` free bytes, where the host writes the input |
//! | `ds_decide` | `(ptr: i32, len: i32) -> i64` | reads the input (JSON, UTF-8) at `ptr`, writes its decision (JSON) in its memory and returns `(address << 32) \| length` |
//!
//! `docs/hooks.md` has the JSON of both sides, and `examples/hooks/` a hook
//! written in C.
//!
//! ```
//! use datasurface_hooks::{Limits, WasmHook};
//! // A module that imports anything (here WASI's `fd_write`) is refused at load.
//! let reaching_out = wat::parse_str(r#"(module (import "wasi_snapshot_preview1" "fd_write" (func)))"#)?;
//! let refused = WasmHook::load(&reaching_out, None, Limits::default());
//! assert!(refused.is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::{Duration, Instant};

use datasurface_core::HookLimits;
use datasurface_platform::sha256_hex;
use datasurface_runtime::hook::{Decide, Decision, HookError, HookInput, HookLoader, HookRun};
use wasmi::{
    Config, Engine, Linker, Memory, Module, ResourceLimiter, Store, TypedFunc, TypedResumableCall,
};

/// The version of the module's side of the contract this host speaks.
pub const ABI_VERSION: i32 = 1;

/// The largest module the host loads.
pub const MAX_MODULE_BYTES: usize = 16 << 20;

/// The longest decision a hook may write, in bytes.
pub const MAX_DECISION_BYTES: usize = 64 << 10;

/// Fuel is handed out in slices of this many units, and the wall time
/// checked between them.
const FUEL_SLICE: u64 = 1_000_000;

/// How much one decision may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Limits {
    /// Fuel: instructions executed.
    pub fuel: u64,
    /// The size the module's memory may grow to, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock time.
    pub wall_time: Duration,
}

impl Limits {
    /// The limits a model's hook asks for, its defaults filled in.
    pub fn from_model(limits: &HookLimits) -> Self {
        Limits {
            fuel: limits.fuel(),
            memory_bytes: limits.memory_bytes(),
            wall_time: Duration::from_millis(u64::from(limits.wall_time_ms())),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from_model(&HookLimits::default())
    }
}

/// A loaded, checked hook module, ready to decide.
pub struct WasmHook {
    engine: Engine,
    module: Module,
    limits: Limits,
    sha256: String,
}

impl fmt::Debug for WasmHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmHook")
            .field("sha256", &self.sha256)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl WasmHook {
    /// Loads a module: checks its hash against the model's pin (when given),
    /// that it is valid WebAssembly, that it imports nothing, and that it
    /// exports what the contract needs, each with its signature.
    pub fn load(
        bytes: &[u8],
        pinned_sha256: Option<&str>,
        limits: Limits,
    ) -> Result<Self, HookError> {
        let sha256 = sha256_hex(bytes);
        if let Some(pinned) = pinned_sha256
            && pinned != sha256
        {
            return Err(HookError::Module(format!(
                "its SHA-256 is {sha256}, but the model pins {pinned}; if the module changed on purpose, put its new hash in the model (`sha256sum` prints it)"
            )));
        }
        if bytes.len() > MAX_MODULE_BYTES {
            return Err(HookError::Module(format!(
                "it is {} bytes, more than the {MAX_MODULE_BYTES} a hook may be",
                bytes.len()
            )));
        }
        let mut config = Config::default();
        config.consume_fuel(true);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, bytes).map_err(|e| {
            let hint = if bytes.starts_with(b"\0asm") {
                ""
            } else {
                " (it does not start as a WebAssembly binary does; compile the source, and give the `.wasm` file)"
            };
            HookError::Module(format!("it is not valid WebAssembly: {e}{hint}"))
        })?;
        let imports: Vec<String> = module
            .imports()
            .map(|i| format!("`{}.{}`", i.module(), i.name()))
            .collect();
        if !imports.is_empty() {
            return Err(HookError::Module(format!(
                "it imports {}; a hook gets no imports (no filesystem, network, clock or environment: the event carries the time). Build it without a C library or WASI (clang `--target=wasm32 -nostdlib`)",
                imports.join(", ")
            )));
        }
        let hook = WasmHook {
            engine,
            module,
            limits,
            sha256,
        };
        hook.check_exports()?;
        Ok(hook)
    }

    /// The module's SHA-256, in lower-case hexadecimal.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The limits each decision runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Checks the exports by instantiating the module once, with its limits:
    /// each must exist with its signature, and the version must be ours.
    fn check_exports(&self) -> Result<(), HookError> {
        let checks = [
            ("memory", "a linear memory"),
            ("ds_contract_version", "a function () -> i32"),
            ("ds_alloc", "a function (i32) -> i32"),
            ("ds_decide", "a function (i32, i32) -> i64"),
        ];
        let mut missing = Vec::new();
        let mut wrong = Vec::new();
        for (name, what) in checks {
            match self.module.get_export(name).map(|ty| describe(&ty)) {
                None => missing.push(format!("`{name}` ({what})")),
                Some(is) if is != what => wrong.push(format!("`{name}` is {is}, not {what}")),
                Some(_) => {}
            }
        }
        if !missing.is_empty() {
            return Err(HookError::Module(format!(
                "it does not export {}; docs/hooks.md lists what a hook exports",
                missing.join(", ")
            )));
        }
        if !wrong.is_empty() {
            return Err(HookError::Module(format!(
                "its export {}; docs/hooks.md lists what a hook exports",
                wrong.join(", its export ")
            )));
        }
        let mut sandbox = Sandbox::new(self, self.limits)?;
        let version = sandbox.call_version()?;
        if version != ABI_VERSION {
            return Err(HookError::Module(format!(
                "it speaks contract version {version}; this datasurface speaks version {ABI_VERSION}"
            )));
        }
        Ok(())
    }
}

impl WasmHook {
    /// Asks the hook as [`Decide::decide`] does, but stops it at `wall_time`
    /// when that comes before its own limit (then the error's limit is
    /// `wall_time`): how a gate with a budget for all its hooks checks each
    /// one's whole contract without waiting for every hook's own limit.
    pub fn decide_within(
        &self,
        input: &HookInput,
        wall_time: Duration,
    ) -> Result<HookRun, HookError> {
        let limits = Limits {
            wall_time: self.limits.wall_time.min(wall_time),
            ..self.limits
        };
        self.decide_with(input, limits)
    }

    fn decide_with(&self, input: &HookInput, limits: Limits) -> Result<HookRun, HookError> {
        let mut sandbox = Sandbox::new(self, limits)?;
        let json = input.to_json();
        let answer = sandbox.call_decide(json.as_bytes())?;
        let decision = Decision::parse(&answer, &input.event)?;
        Ok(HookRun {
            decision,
            fuel: Some(sandbox.fuel_used()),
        })
    }
}

impl Decide for WasmHook {
    fn decide(&self, input: &HookInput) -> Result<HookRun, HookError> {
        self.decide_with(input, self.limits)
    }

    fn decide_within(&self, input: &HookInput, wall_time: Duration) -> Result<HookRun, HookError> {
        WasmHook::decide_within(self, input, wall_time)
    }
}

/// Loads hook modules as [`WasmHook`]s: the module runner the gate
/// (`datasurface-gate`) and the platforms are given.
#[derive(Debug, Clone, Copy, Default)]
pub struct WasmLoader;

impl HookLoader for WasmLoader {
    fn max_module_bytes(&self) -> u64 {
        MAX_MODULE_BYTES as u64
    }

    fn wall_time(&self, limits: &HookLimits) -> Duration {
        Limits::from_model(limits).wall_time
    }

    fn load(
        &self,
        bytes: &[u8],
        pinned_sha256: &str,
        limits: &HookLimits,
        wall_time: Duration,
    ) -> Result<Box<dyn Decide>, HookError> {
        let own = Limits::from_model(limits);
        let limits = Limits {
            wall_time: own.wall_time.min(wall_time),
            ..own
        };
        Ok(Box::new(WasmHook::load(
            bytes,
            Some(pinned_sha256),
            limits,
        )?))
    }
}

/// The store's own data: the memory limit, and whether it was hit.
struct Limiter {
    memory_bytes: usize,
    denied: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        if desired > self.memory_bytes {
            // Trap at once: a module that ignored a failed grow would only
            // loop until its fuel ran out, and the error would hide the cause.
            self.denied = true;
            return Err(wasmi_core::LimiterError::ResourceLimiterDeniedAllocation);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        Ok(desired <= 100_000)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }
}

/// One instance of a hook's module, for one decision.
struct Sandbox {
    store: Store<Limiter>,
    instance: wasmi::Instance,
    memory: Memory,
    limits: Limits,
    started: Instant,
    /// Fuel handed out so far, and still in the store.
    granted: u64,
}

impl Sandbox {
    fn new(hook: &WasmHook, limits: Limits) -> Result<Self, HookError> {
        let mut store = Store::new(
            &hook.engine,
            Limiter {
                memory_bytes: limits.memory_bytes,
                denied: false,
            },
        );
        store.limiter(|limiter| limiter as &mut dyn ResourceLimiter);
        let first = limits.fuel.min(FUEL_SLICE);
        store
            .set_fuel(first)
            .map_err(|e| HookError::Other(e.to_string()))?;
        let started = Instant::now();
        // A start function runs here, on the first slice of fuel: it cannot
        // be resumed, so it must finish within it.
        let instance = Linker::<Limiter>::new(&hook.engine)
            .instantiate_and_start(&mut store, &hook.module)
            .map_err(|e| classify(&store, &e, limits, first))?;
        let memory = instance
            .get_memory(&store, "memory")
            .ok_or_else(|| HookError::Module("it does not export `memory`".to_owned()))?;
        Ok(Sandbox {
            store,
            instance,
            memory,
            limits,
            started,
            granted: first,
        })
    }

    fn fuel_used(&self) -> u64 {
        self.granted - self.store.get_fuel().unwrap_or(0)
    }

    fn func<P: wasmi::WasmParams, R: wasmi::WasmResults>(
        &self,
        name: &str,
        signature: &str,
    ) -> Result<TypedFunc<P, R>, HookError> {
        self.instance
            .get_typed_func::<P, R>(&self.store, name)
            .map_err(|_| {
                HookError::Module(format!(
                    "its export `{name}` is not {signature}; docs/hooks.md lists what a hook exports"
                ))
            })
    }

    fn call_version(&mut self) -> Result<i32, HookError> {
        let f = self.func::<(), i32>("ds_contract_version", "a function () -> i32")?;
        self.run(|store| f.call_resumable(store, ()))
    }

    fn call_decide(&mut self, input: &[u8]) -> Result<Vec<u8>, HookError> {
        let len = i32::try_from(input.len())
            .map_err(|_| HookError::Other("the input is larger than 2 GiB".to_owned()))?;
        let alloc = self.func::<i32, i32>("ds_alloc", "a function (i32) -> i32")?;
        let decide = self.func::<(i32, i32), i64>("ds_decide", "a function (i32, i32) -> i64")?;
        let ptr = self.run(|store| alloc.call_resumable(store, len))?;
        let at = usize::try_from(ptr).map_err(|_| {
            HookError::BadDecision(format!("`ds_alloc` returned {ptr}, not an address"))
        })?;
        self.memory.write(&mut self.store, at, input).map_err(|_| {
            HookError::BadDecision(format!(
                "`ds_alloc({len})` returned {ptr}, but the memory has no {len} bytes there"
            ))
        })?;
        let packed = self.run(|store| decide.call_resumable(store, (ptr, len)))?;
        // The address in the high half, the length in the low half, both unsigned.
        #[expect(
            clippy::cast_sign_loss,
            reason = "the two halves are unsigned by contract"
        )]
        let packed = packed as u64;
        let (out_at, out_len) = (packed >> 32, packed & 0xffff_ffff);
        let out_len = usize::try_from(out_len).unwrap_or(usize::MAX);
        if out_len > MAX_DECISION_BYTES {
            return Err(HookError::BadDecision(format!(
                "`ds_decide` returned {out_len} bytes; a decision is at most {MAX_DECISION_BYTES}"
            )));
        }
        let mut out = vec![0; out_len];
        let out_at = usize::try_from(out_at).unwrap_or(usize::MAX);
        self.memory
            .read(&self.store, out_at, &mut out)
            .map_err(|_| {
                HookError::BadDecision(format!(
                    "`ds_decide` returned {out_len} bytes at {out_at}, outside its memory"
                ))
            })?;
        Ok(out)
    }

    /// Runs a call to the end, handing out fuel a slice at a time and
    /// checking the wall time between slices.
    fn run<R>(
        &mut self,
        call: impl FnOnce(&mut Store<Limiter>) -> Result<TypedResumableCall<R>, wasmi::Error>,
    ) -> Result<R, HookError>
    where
        R: wasmi::WasmResults,
    {
        let mut state = call(&mut self.store);
        loop {
            match state {
                Ok(TypedResumableCall::Finished(result)) => return Ok(result),
                Ok(TypedResumableCall::OutOfFuel(paused)) => {
                    if self.granted >= self.limits.fuel {
                        return Err(HookError::OutOfFuel {
                            limit: self.limits.fuel,
                        });
                    }
                    if self.started.elapsed() > self.limits.wall_time {
                        return Err(wall_time(self.limits));
                    }
                    let more = (self.limits.fuel - self.granted).min(FUEL_SLICE);
                    let left = self.store.get_fuel().unwrap_or(0);
                    self.store
                        .set_fuel(left + more)
                        .map_err(|e| HookError::Other(e.to_string()))?;
                    self.granted += more;
                    state = paused.resume(&mut self.store);
                }
                Ok(TypedResumableCall::HostTrap(_)) => {
                    // No imports, so no host function can trap.
                    return Err(HookError::Trap("a host function trapped".to_owned()));
                }
                Err(e) => return Err(classify(&self.store, &e, self.limits, self.granted)),
            }
        }
    }
}

/// An export's type as the contract's table writes it.
fn describe(ty: &wasmi::ExternType) -> String {
    let list = |types: &[wasmi::ValType]| {
        types
            .iter()
            .map(|t| format!("{t:?}").to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match ty {
        wasmi::ExternType::Func(f) => {
            let results = f.results();
            let results = match results.len() {
                0 => "()".to_owned(),
                1 => list(results),
                _ => format!("({})", list(results)),
            };
            format!("a function ({}) -> {results}", list(f.params()))
        }
        wasmi::ExternType::Memory(_) => "a linear memory".to_owned(),
        wasmi::ExternType::Table(_) => "a table".to_owned(),
        wasmi::ExternType::Global(_) => "a global".to_owned(),
    }
}

fn wall_time(limits: Limits) -> HookError {
    HookError::WallTime {
        limit_ms: u64::try_from(limits.wall_time.as_millis()).unwrap_or(u64::MAX),
    }
}

/// Names what stopped a hook.
fn classify(
    store: &Store<Limiter>,
    error: &wasmi::Error,
    limits: Limits,
    granted: u64,
) -> HookError {
    if store.data().denied {
        return HookError::OutOfMemory {
            limit_mib: (limits.memory_bytes >> 20) as u64,
        };
    }
    if let Some(code) = error.as_trap_code() {
        if code == wasmi::TrapCode::OutOfFuel {
            return if granted >= limits.fuel {
                HookError::OutOfFuel { limit: limits.fuel }
            } else {
                // A start function ran out of its first slice.
                HookError::OutOfFuel { limit: granted }
            };
        }
        return HookError::Trap(code.to_string());
    }
    HookError::Trap(error.to_string())
}

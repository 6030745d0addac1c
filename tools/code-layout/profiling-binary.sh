# Sourced by tools/code-layout/profile.sh and bench/proxy/instructions.sh: the profiling build they run under callgrind.
# It has the shipped settings but for an instruction set valgrind emulates (x86-64-v3, not `native`); function names
# are the same, so what is measured (or ordered) carries over to the shipped build. PROFILE_BIN=DIR uses a profiling
# build made before (switchyard and switchyard.dbg in DIR) instead of building one.
# Needs ROOT (the repository) and WORK (a scratch directory); sets BIN (the build) and RUN (where the copy to run is).
profiling_binary() {
  BIN="${PROFILE_BIN:-$WORK/bin}"
  if [ -z "${PROFILE_BIN:-}" ]; then
    echo "building the profiling binary (a few minutes)..." >&2
    dotnet publish "$ROOT/src/Switchyard.Cli/Switchyard.Cli.csproj" -c Release --use-current-runtime -p:PublishAot=true \
      -p:IlcInstructionSet=x86-64-v3 -o "$BIN" --artifacts-path "$WORK/artifacts" --nologo -v quiet -clp:ErrorsOnly >&2
  fi
  # Valgrind 3.19 cannot read the DWARF 5 in switchyard.dbg and gives up when it finds it next to the binary: the
  # profiled copy runs from a directory of its own, and the symbols come from the .dbg with nm.
  RUN="$WORK/run"
  mkdir -p "$RUN"
  cp "$BIN/switchyard" "$RUN/"
  cp "$BIN"/*.so "$RUN/" 2>/dev/null || true
}

#!/usr/bin/env python3
"""Static checks of the Jobmon compose stack, used by ops/compose/check.

Standard library only, except PyYAML where a YAML document has to be read (the
compose file in the fallback mode, docker-compose v1's `config` output).

Every check prints one line starting with PASS, FAIL, WARN, SKIP or INFO; the bash
driver counts them. Sub-commands:

  envdoc     COMPOSE SAMPLE                 .env.sample documents every variable
  interpolate COMPOSE ENVFILE REPO OUT      fallback: compose-style interpolation -> JSON
  structure  RESOLVED REPO [--operator]     services, health checks, builds, mounts
  dockerfiles RESOLVED REPO [--strict]      FROM/COPY sources, .dockerignore
  render     RESOLVED REPO OUTDIR           nginx templates as the nginx image renders them
  routes     CONFDIR                        the rendered edge proxy routes as promised
  frontend   CONF                           the frontend nginx's compression and cache headers
  preflight  ENVFILE REPO                   an operator's real .env (secrets, certs, config)
"""
import glob
import json
import os
import re
import sys

EXPECTED_SERVICES = ["jobmon_influxdb", "jobmon_postgres", "jobmon_backend", "jobmon_frontend", "jobmon_nginx"]

# Variables of the original installation's .env: their names must not change.
ORIGINAL_ENV = ["INFLUXDB_USER", "INFLUXDB_PASSWORD", "INFLUXDB_ADMIN_TOKEN", "INFLUXDB_ORG", "INFLUXDB_BUCKET",
                "INFLUXDB_PORT", "POSTGRES_PASSWORD", "POSTGRES_DB", "POSTGRES_PORT", "BACKEND_URL", "BACKEND_WS",
                "NGINX_HTTP_PORT", "NGINX_HTTPS_PORT"]
OURS_ENV = ["JOBMON_ADMIN_PASSWORD", "JOBMON_INGEST_TOKEN", "JOBMON_JWT_SECRET", "JOBMON_INFLUXDB_TOKEN"]

BACKEND_ENV = ["JOBMON_URL", "JOBMON_POSTGRES", "JOBMON_INFLUXDB", "JOBMON_INFLUXDB_TOKEN", "JOBMON_INFLUXDB_ORG",
               "JOBMON_INFLUXDB_BUCKET", "JOBMON_ADMIN_PASSWORD", "JOBMON_INGEST_TOKEN", "JOBMON_JWT_SECRET",
               "JOBMON_CONFIG", "JOBMON_PUBLIC_URL"]

# Bind-mount sources the operator provides (relative to the repository root), with
# the files expected inside. They are absent in a fresh clone and in CI.
OPERATOR_PROVIDED = {
    "nginx/secrets": ["fullchain.pem", "privkey.pem", "chain.pem"],
    "backend": [],  # optional config.json, see JOBMON_CONFIG
}

# Paths that must never reach a build context (secrets, local state, build output).
MUST_BE_IGNORED = [".env", ".git/HEAD", "nginx/secrets/privkey.pem", "backend/config.json", ".jobmon/state",
                   "src/Jobmon.Api/bin/Release/x.dll", "src/Jobmon.Api/obj/project.assets.json",
                   "frontend/node_modules/react/index.js", "influxdb/data/x", "postgres/data/x"]

# Top-level directories written by other teams in parallel: while one does not exist
# at all, COPY sources inside it are skipped (not failed) unless --strict.
PARALLEL_DIRS = ["frontend", "src"]

counts = {"PASS": 0, "FAIL": 0, "WARN": 0, "SKIP": 0}


def out(kind, msg):
    if kind in counts:
        counts[kind] += 1
    print(f"{kind}: {msg}", flush=True)


def load_yaml(path):
    try:
        import yaml  # noqa: WPS433
    except ImportError:
        out("FAIL", f"PyYAML is needed to read {path} (apt-get install python3-yaml)")
        sys.exit(1)
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_resolved(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.lstrip().startswith("{"):
        return json.loads(text)
    return load_yaml(path)


def read_env_file(path):
    """KEY=VALUE lines as docker compose reads them (comments and blanks skipped,
    surrounding quotes removed as compose v2 does)."""
    env = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if s.startswith("export "):
                s = s[len("export "):].lstrip()
            if "=" not in s:
                out("FAIL", f"{path}:{n}: not KEY=VALUE: {s!r}")
                continue
            k, v = s.split("=", 1)
            k = k.strip()
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            env[k] = v
    return env


# ---------------------------------------------------------------- interpolation
VAR_RE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


def interpolate_str(s, env, errors, where):
    def repl(m):
        if m.group(0) == "$$":
            return "$"
        if m.group("plain"):
            return env.get(m.group("plain"), "")
        expr = m.group("braced")
        mm = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?$", expr, re.S)
        if not mm:
            errors.append(f"{where}: invalid interpolation ${{{expr}}}")
            return ""
        name, op, arg = mm.group(1), mm.group(2), mm.group(3) or ""
        val = env.get(name)
        unset_or_empty = val is None or (op is not None and op.startswith(":") and val == "")
        if op in (":-", "-"):
            return arg if unset_or_empty else val
        if op in (":?", "?"):
            if unset_or_empty:
                errors.append(f"{where}: required variable {name} is missing: {arg}")
                return ""
            return val
        return val or ""
    return VAR_RE.sub(repl, s)


def interpolate(obj, env, errors, where="compose"):
    if isinstance(obj, dict):
        return {k: interpolate(v, env, errors, f"{where}.{k}") for k, v in obj.items()}
    if isinstance(obj, list):
        return [interpolate(v, env, errors, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, str):
        return interpolate_str(obj, env, errors, where)
    return obj


def cmd_interpolate(compose, envfile, repo, outpath):
    """Fallback when no compose tool exists: interpolate and normalise paths."""
    doc = load_yaml(compose)
    env = read_env_file(envfile)
    errors = []
    doc = interpolate(doc, env, errors)
    for e in errors:
        out("FAIL", e)
    base = os.path.dirname(os.path.abspath(compose))
    for name, svc in (doc.get("services") or {}).items():
        b = svc.get("build")
        if isinstance(b, str):
            svc["build"] = b = {"context": b}
        if isinstance(b, dict) and "context" in b:
            b["context"] = os.path.normpath(os.path.join(base, b["context"]))
        vols = []
        for v in svc.get("volumes") or []:
            if isinstance(v, str):
                parts = v.split(":")
                src = parts[0]
                if src.startswith((".", "/", "~")):
                    parts[0] = os.path.normpath(os.path.join(base, os.path.expanduser(src)))
                v = ":".join(parts)
            vols.append(v)
        if vols:
            svc["volumes"] = vols
    with open(outpath, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    if errors:
        return 1
    out("PASS", "compose file interpolated with the env file (python fallback, not a full compose validation)")
    return 0


# ---------------------------------------------------------------- .env.sample
def cmd_envdoc(compose, sample):
    with open(compose, encoding="utf-8") as f:
        text = f.read()
    used = sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text)))
    with open(sample, encoding="utf-8") as f:
        lines = f.read().splitlines()
    defined = {}
    for i, line in enumerate(lines):
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=", line)
        if m:
            defined[m.group(1)] = i
    bad = False
    for v in used:
        if v not in defined:
            out("FAIL", f".env.sample lacks {v} (used in docker-compose.yml)")
            bad = True
    for v, i in defined.items():
        if i == 0 or not lines[i - 1].lstrip().startswith("#"):
            out("FAIL", f".env.sample: {v} has no comment line above it")
            bad = True
        if v not in used:
            out("WARN", f".env.sample defines {v}, which docker-compose.yml does not use")
    for v in ORIGINAL_ENV + OURS_ENV:
        if v not in defined:
            out("FAIL", f".env.sample lacks {v} (name kept from the original installation / required by the brief)")
            bad = True
        elif v not in used:
            out("FAIL", f"docker-compose.yml does not use {v}")
            bad = True
    if not bad:
        out("PASS", f".env.sample documents all {len(used)} variables of docker-compose.yml, "
                    f"incl. the original's {len(ORIGINAL_ENV)} names")
    return 0


# ---------------------------------------------------------------- structure
def env_of(svc):
    e = svc.get("environment") or {}
    if isinstance(e, list):
        d = {}
        for item in e:
            k, _, v = item.partition("=")
            d[k] = v
        return d
    return {k: ("" if v is None else str(v)) for k, v in e.items()}


def norm_volumes(svc):
    """-> list of (type, source, target, read_only)."""
    res = []
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            res.append((v.get("type"), v.get("source"), v.get("target"), bool(v.get("read_only"))))
            continue
        parts = v.split(":")
        if len(parts) == 1:
            res.append(("volume", None, parts[0], False))
            continue
        src, tgt = parts[0], parts[1]
        mode = parts[2] if len(parts) > 2 else "rw"
        typ = "bind" if src.startswith(("/", ".", "~")) else "volume"
        res.append((typ, src, tgt, "ro" in mode.split(",")))
    return res


def norm_ports(svc):
    """-> list of (published, target) as strings."""
    res = []
    for p in svc.get("ports") or []:
        if isinstance(p, dict):
            res.append((str(p.get("published", "")), str(p.get("target", ""))))
            continue
        s = str(p).split("/")[0]
        parts = s.split(":")
        res.append((parts[-2] if len(parts) >= 2 else "", parts[-1]))
    return res


def norm_depends(svc):
    d = svc.get("depends_on") or {}
    if isinstance(d, list):
        return {k: "service_started" for k in d}
    return {k: (v or {}).get("condition", "service_started") for k, v in d.items()}


def rel(repo, path):
    try:
        r = os.path.relpath(path, repo)
    except ValueError:
        return path
    return r


def cmd_structure(resolved, repo, operator=False):
    doc = load_resolved(resolved)
    services = doc.get("services") or {}
    missing = [s for s in EXPECTED_SERVICES if s not in services]
    if missing:
        out("FAIL", f"services missing: {', '.join(missing)}")
    else:
        out("PASS", f"services present: {', '.join(EXPECTED_SERVICES)}")
    for extra in sorted(set(services) - set(EXPECTED_SERVICES)):
        out("WARN", f"unexpected service {extra}")
    declared_volumes = set((doc.get("volumes") or {}).keys())

    for name in EXPECTED_SERVICES:
        svc = services.get(name)
        if svc is None:
            continue
        problems = []
        if svc.get("container_name") != name:
            problems.append(f"container_name is {svc.get('container_name')!r}, not {name!r} (the guide's docker exec/ps use it)")
        if svc.get("restart") != "unless-stopped":
            problems.append(f"restart is {svc.get('restart')!r}, not 'unless-stopped'")
        hc = svc.get("healthcheck") or {}
        test = hc.get("test")
        if not test or hc.get("disable") or (isinstance(test, list) and test[:1] == ["NONE"]):
            problems.append("no health check")
        image = svc.get("image", "")
        if "build" not in svc:
            tag = image.rsplit("/", 1)[-1]
            if ":" not in tag or tag.endswith(":latest"):
                problems.append(f"image {image!r} is not pinned to a version tag")
        for p in problems:
            out("FAIL", f"{name}: {p}")
        if not problems:
            out("PASS", f"{name}: container_name, restart: unless-stopped, health check"
                        + ("" if "build" in svc else f", pinned image {image}"))

        # builds
        b = svc.get("build")
        if b is not None:
            if isinstance(b, str):
                b = {"context": b}
            ctx = b.get("context", ".")
            if not os.path.isabs(ctx):
                ctx = os.path.normpath(os.path.join(repo, ctx))
            df = b.get("dockerfile", "Dockerfile")
            dfp = df if os.path.isabs(df) else os.path.join(ctx, df)
            if not os.path.isdir(ctx):
                out("FAIL", f"{name}: build context {rel(repo, ctx)} does not exist")
            elif not os.path.isfile(dfp):
                out("FAIL", f"{name}: Dockerfile {rel(repo, dfp)} does not exist")
            else:
                out("PASS", f"{name}: build context {rel(repo, ctx) or '.'} and Dockerfile {rel(repo, dfp)} exist")

        # ports
        for pub, tgt in norm_ports(svc):
            if not pub:
                out("FAIL", f"{name}: port {tgt} published without a host port")

        # mounts
        for typ, src, tgt, ro in norm_volumes(svc):
            if typ == "bind":
                r = rel(repo, src)
                if r in OPERATOR_PROVIDED:
                    expected = OPERATOR_PROVIDED[r]
                    if os.path.isdir(src):
                        absent = [f for f in expected if not os.path.isfile(os.path.join(src, f))]
                        if absent and operator:
                            out("FAIL", f"{name}: operator-provided {r}/ lacks {', '.join(absent)}")
                        elif absent:
                            out("WARN", f"{name}: operator-provided {r}/ lacks {', '.join(absent)}")
                        else:
                            out("PASS", f"{name}: bind mount {r} -> {tgt} exists")
                    elif operator and expected:
                        out("FAIL", f"{name}: {r}/ is missing: provide {', '.join(expected)}")
                    else:
                        out("SKIP", f"{name}: bind mount {r} -> {tgt} is operator-provided"
                                    + (f" ({', '.join(expected)})" if expected else " (optional)")
                                    + "; absent here, documented in ops/compose/README.md")
                    if not ro:
                        out("FAIL", f"{name}: operator-provided mount {r} should be read-only")
                elif os.path.exists(src):
                    out("PASS", f"{name}: bind mount {r} -> {tgt}{' (ro)' if ro else ''} exists")
                else:
                    out("FAIL", f"{name}: bind mount source {r} does not exist")
            elif typ == "volume":
                if src and src not in declared_volumes:
                    out("FAIL", f"{name}: named volume {src} is not declared under top-level volumes:")
                elif src:
                    out("PASS", f"{name}: named volume {src} -> {tgt}")
            elif typ == "tmpfs":
                pass

    # service-specific expectations
    be = services.get("jobmon_backend") or {}
    benv = env_of(be)
    absent = [k for k in BACKEND_ENV if k not in benv]
    if absent:
        out("FAIL", f"jobmon_backend: environment lacks {', '.join(absent)}")
    else:
        out("PASS", f"jobmon_backend: environment has {', '.join(BACKEND_ENV)}")
    if benv.get("JOBMON_URL") != "http://0.0.0.0:8080":
        out("FAIL", f"jobmon_backend: JOBMON_URL is {benv.get('JOBMON_URL')!r}, expected http://0.0.0.0:8080")
    admin_token = env_of(services.get("jobmon_influxdb") or {}).get("DOCKER_INFLUXDB_INIT_ADMIN_TOKEN", "")
    if benv.get("JOBMON_INFLUXDB_TOKEN") and benv.get("JOBMON_INFLUXDB_TOKEN") == admin_token:
        out("WARN", "jobmon_backend: JOBMON_INFLUXDB_TOKEN is the InfluxDB admin token; "
                    "create a read token with ops/compose/influx-tokens")
    if not benv.get("JOBMON_INFLUXDB_TOKEN"):
        (out("WARN", "JOBMON_INFLUXDB_TOKEN is empty: the backend will show no metrics; "
                     "run ops/compose/influx-tokens after the first start of jobmon_influxdb")
         if operator else
         out("INFO", "JOBMON_INFLUXDB_TOKEN is empty in the sample (set after ops/compose/influx-tokens; no admin-token fallback)"))
    if "JOBMON_POSTGRES" in benv and "Host=jobmon_postgres" not in benv["JOBMON_POSTGRES"]:
        out("FAIL", "jobmon_backend: JOBMON_POSTGRES does not point at jobmon_postgres")

    want_deps = {
        "jobmon_backend": {"jobmon_postgres": "service_healthy", "jobmon_influxdb": "service_healthy"},
        "jobmon_nginx": {"jobmon_frontend": "service_healthy", "jobmon_backend": None},
    }
    for svc_name, deps in want_deps.items():
        got = norm_depends(services.get(svc_name) or {})
        bad = [f"{d} ({c or 'any'})" for d, c in deps.items() if d not in got or (c and got[d] != c)]
        if bad:
            out("FAIL", f"{svc_name}: depends_on lacks {', '.join(bad)}")
        else:
            out("PASS", f"{svc_name}: depends_on " + ", ".join(f"{d}: {got[d]}" for d in deps))

    want_ports = {"jobmon_influxdb": ["8086"], "jobmon_postgres": ["5432"], "jobmon_nginx": ["80", "443"]}
    for svc_name, targets in want_ports.items():
        got = {t: p for p, t in norm_ports(services.get(svc_name) or {})}
        miss = [t for t in targets if t not in got]
        if miss:
            out("FAIL", f"{svc_name}: container port(s) {', '.join(miss)} not published")
        else:
            out("PASS", f"{svc_name}: publishes " + ", ".join(f"{got[t]}->{t}" for t in targets))
    for svc_name in ("jobmon_backend", "jobmon_frontend"):
        if (services.get(svc_name) or {}).get("ports"):
            out("WARN", f"{svc_name}: publishes ports; it should only be reached through jobmon_nginx")

    ng = services.get("jobmon_nginx") or {}
    targets = {tgt for _, _, tgt, _ in norm_volumes(ng)}
    for t in ("/etc/nginx/certs.d", "/etc/nginx/templates"):
        if t not in targets:
            out("FAIL", f"jobmon_nginx: nothing mounted at {t}")
    return 0


# ---------------------------------------------------------------- .dockerignore
def dockerignore_patterns(ctx):
    p = os.path.join(ctx, ".dockerignore")
    pats = []
    if not os.path.isfile(p):
        return pats
    with open(p, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            neg = s.startswith("!")
            if neg:
                s = s[1:].strip()
            s = os.path.normpath(s).lstrip("/")
            pats.append((neg, s, glob_to_re(s)))
    return pats


def glob_to_re(pat):
    """Docker's patternmatcher syntax: * ? [..] within one path element, ** any depth."""
    i, res = 0, ""
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            res += "(?:.*/)?"
            i += 3
        elif pat.startswith("**", i):
            res += ".*"
            i += 2
        elif c == "*":
            res += "[^/]*"
            i += 1
        elif c == "?":
            res += "[^/]"
            i += 1
        elif c == "[":
            j = pat.find("]", i)
            if j < 0:
                res += re.escape(c)
                i += 1
            else:
                res += "[" + pat[i + 1:j].replace("!", "^", 1) + "]"
                i = j + 1
        else:
            res += re.escape(c)
            i += 1
    return re.compile("^" + res + "$")


def ignored(path, pats):
    """Last matching pattern wins; a pattern also matches a path below a matched dir."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
    result = False
    for neg, _, rx in pats:
        if any(rx.match(p) for p in prefixes):
            result = not neg
    return result


# ---------------------------------------------------------------- Dockerfiles
def dockerfile_instructions(path):
    with open(path, encoding="utf-8") as f:
        raw = f.read().splitlines()
    instrs, cur, start = [], "", 0
    for n, line in enumerate(raw, 1):
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if cur and s.startswith("#"):
            continue
        if not cur:
            start = n
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        instrs.append((start, cur))
        cur = ""
    if cur:
        instrs.append((start, cur))
    return instrs


def split_args(rest):
    rest = rest.strip()
    if rest.startswith("["):
        try:
            return json.loads(rest)
        except json.JSONDecodeError:
            pass
    return rest.split()


def subst_args(s, args):
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: args.get(m.group(1), m.group(0)), s)


def cmd_dockerfiles(resolved, repo, strict=False):
    doc = load_resolved(resolved)
    for name, svc in (doc.get("services") or {}).items():
        b = svc.get("build")
        if b is None:
            continue
        if isinstance(b, str):
            b = {"context": b}
        ctx = b.get("context", ".")
        if not os.path.isabs(ctx):
            ctx = os.path.normpath(os.path.join(repo, ctx))
        df = b.get("dockerfile", "Dockerfile")
        dfp = df if os.path.isabs(df) else os.path.join(ctx, df)
        if not os.path.isfile(dfp):
            continue  # reported by `structure`
        check_dockerfile(name, dfp, ctx, repo, strict)

    # secrets and build output stay out of the (repository-root) build context
    pats = dockerignore_patterns(repo)
    if not pats:
        out("FAIL", ".dockerignore is missing or empty")
    else:
        leaks = [p for p in MUST_BE_IGNORED if not ignored(p, pats)]
        if leaks:
            out("FAIL", f".dockerignore does not exclude: {', '.join(leaks)}")
        else:
            out("PASS", f".dockerignore excludes secrets, local state and build output ({len(MUST_BE_IGNORED)} probes)")
    return 0


def check_dockerfile(svc, dfp, ctx, repo, strict):
    label = f"{svc}: {rel(repo, dfp)}"
    pats = dockerignore_patterns(ctx)
    global_args, stage_args, stages = {}, {}, []
    seen_from = False
    copies_ok, problems = 0, 0
    final_user, final_image = None, ""
    for line, ins in dockerfile_instructions(dfp):
        kw, _, rest = ins.partition(" ")
        kw = kw.upper()
        if kw == "ARG":
            k, _, v = rest.strip().partition("=")
            (stage_args if seen_from else global_args)[k] = v
            continue
        if kw == "FROM":
            seen_from = True
            stage_args = dict(global_args)
            toks = [t for t in rest.split() if not t.startswith("--")]
            image = subst_args(toks[0], global_args)
            alias = toks[2] if len(toks) >= 3 and toks[1].lower() == "as" else None
            if image in stages:
                pass
            elif "$" in image:
                out("FAIL", f"{label}:{line}: FROM {toks[0]} has no default (ARG before FROM)")
                problems += 1
            else:
                tag = image.rsplit("/", 1)[-1]
                if ":" not in tag and "@" not in tag or tag.endswith(":latest"):
                    out("FAIL", f"{label}:{line}: base image {image} is not pinned to a version tag")
                    problems += 1
            if alias:
                stages.append(alias)
            final_user, final_image = None, image
            continue
        if kw == "USER":
            final_user = rest.strip()
            continue
        if kw not in ("COPY", "ADD"):
            continue
        toks = split_args(rest)
        flags = [t for t in toks if isinstance(t, str) and t.startswith("--")]
        args = [t for t in toks if not (isinstance(t, str) and t.startswith("--"))]
        from_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
        if len(args) < 2:
            out("FAIL", f"{label}:{line}: {kw} needs a source and a destination")
            problems += 1
            continue
        if from_stage is not None:
            if from_stage not in stages and not re.search(r"[/:]", from_stage):
                out("FAIL", f"{label}:{line}: COPY --from={from_stage}: no such earlier stage")
                problems += 1
            else:
                copies_ok += 1
            continue
        for src in args[:-1]:
            src = subst_args(src, stage_args)
            if re.match(r"^https?://", src):
                continue
            rsrc = os.path.normpath(src).lstrip("/")
            if rsrc.startswith(".."):
                out("FAIL", f"{label}:{line}: {kw} source {src} is outside the build context")
                problems += 1
                continue
            top = rsrc.split("/")[0]
            if (top in PARALLEL_DIRS and not os.path.exists(os.path.join(ctx, top))) and not strict:
                out("SKIP", f"{label}:{line}: {kw} {src}: {top}/ does not exist yet (being written in parallel; "
                            f"--strict fails this)")
                continue
            matches = sorted(glob.glob(os.path.join(ctx, rsrc))) if rsrc != "." else [ctx]
            if not matches:
                out("FAIL", f"{label}:{line}: {kw} source {src} does not exist in the build context")
                problems += 1
                continue
            for m in matches:
                rm = rel(ctx, m)
                if os.path.isdir(m):
                    files = [rel(ctx, os.path.join(dp, f)) for dp, _, fs in os.walk(m) for f in fs]
                    kept = [f for f in files if not ignored(f, pats)]
                    if rm != "." and ignored(rm, pats) and not kept:
                        out("FAIL", f"{label}:{line}: {kw} source {src} is excluded by .dockerignore")
                        problems += 1
                    elif not kept:
                        out("FAIL", f"{label}:{line}: {kw} source {src} has no file left after .dockerignore")
                        problems += 1
                    else:
                        copies_ok += 1
                elif ignored(rm, pats):
                    out("FAIL", f"{label}:{line}: {kw} source {src} is excluded by .dockerignore")
                    problems += 1
                else:
                    copies_ok += 1
    # The final stage must not run as root: an explicit USER, or a base image that
    # already drops root (nginx-unprivileged runs as uid 101).
    if final_user in ("root", "0") or (final_user is None and "unprivileged" not in final_image):
        out("FAIL", f"{label}: the final stage runs as root (add USER)")
        problems += 1
    if problems == 0:
        out("PASS", f"{label}: base images pinned, {copies_ok} COPY source(s)/stage reference(s) resolve "
                    f"and survive .dockerignore")


# ---------------------------------------------------------------- nginx templates
def cmd_render(resolved, repo, outdir):
    """Render the edge proxy's templates exactly like the nginx image's
    20-envsubst-on-templates.sh: only environment variables of the container whose
    names match NGINX_ENVSUBST_FILTER are replaced, in both $VAR and ${VAR} form."""
    doc = load_resolved(resolved)
    svc = (doc.get("services") or {}).get("jobmon_nginx") or {}
    env = env_of(svc)
    filt = env.get("NGINX_ENVSUBST_FILTER", "").replace("$$", "$")
    if env.get("NGINX_ENTRYPOINT_LOCAL_RESOLVERS"):
        # Set at start by the image's 15-local-resolvers.envsh from /etc/resolv.conf;
        # Docker's embedded DNS stands in for it here.
        env = dict(env, NGINX_LOCAL_RESOLVERS="127.0.0.11")
    names = [k for k in env if re.search(filt, k)] if filt else list(env)
    tdir = next((src for typ, src, tgt, _ in norm_volumes(svc)
                 if typ == "bind" and tgt == "/etc/nginx/templates"), None)
    if not tdir or not os.path.isdir(tdir):
        out("FAIL", "jobmon_nginx: no template directory mounted at /etc/nginx/templates")
        return 1
    templates = sorted(glob.glob(os.path.join(tdir, "**", "*.template"), recursive=True))
    if not templates:
        out("FAIL", f"no *.template in {rel(repo, tdir)}")
        return 1
    os.makedirs(outdir, exist_ok=True)
    for t in templates:
        with open(t, encoding="utf-8") as f:
            text = f.read()
        for k in sorted(names, key=len, reverse=True):
            text = text.replace("${" + k + "}", env[k])
            text = re.sub(r"\$" + re.escape(k) + r"(?![A-Za-z0-9_])", lambda _m, v=env[k]: v, text)
        leftovers = sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", strip_comments(text))))
        target = os.path.join(outdir, os.path.relpath(t, tdir)[: -len(".template")])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write(text)
        if leftovers:
            out("FAIL", f"{rel(repo, t)}: ${{{'}, ${'.join(leftovers)}}} would stay unrendered "
                        f"(not in jobmon_nginx's environment or not matched by NGINX_ENVSUBST_FILTER)")
        else:
            out("PASS", f"{rel(repo, t)} renders with {', '.join(sorted(names)) or 'no variables'} "
                        f"-> /etc/nginx/conf.d/{os.path.relpath(target, outdir)}")
        # every certificate path must lie in a mounted directory
        for d, p in re.findall(r"^\s*(ssl_certificate|ssl_certificate_key|ssl_trusted_certificate)\s+(\S+);",
                               text, re.M):
            mount = next(((src, tgt) for typ, src, tgt, _ in norm_volumes(svc)
                          if typ == "bind" and p.startswith(tgt.rstrip("/") + "/")), None)
            if not mount:
                out("FAIL", f"{d} {p}: not inside a mounted directory of jobmon_nginx")
            else:
                host = os.path.join(mount[0], p[len(mount[1].rstrip("/")) + 1:])
                out("PASS", f"{d} {p} <- {rel(repo, host)}")
    return 0


def strip_comments(text):
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


# ---------------------------------------------------------------- operator preflight
def cmd_preflight(envfile, repo):
    env = read_env_file(envfile)
    st = os.stat(envfile)
    if st.st_mode & 0o004:
        out("WARN", f"{envfile} is world-readable; chmod 600 it")
    placeholders = [k for k, v in env.items() if "change-me" in v]
    if placeholders:
        out("FAIL", f"still the sample's placeholder: {', '.join(placeholders)}")
    else:
        out("PASS", "no change-me placeholders left")

    def need(cond, msg):
        out("PASS" if cond else "FAIL", msg)

    need(len(env.get("INFLUXDB_PASSWORD", "")) >= 8, "INFLUXDB_PASSWORD has at least 8 characters")
    need(len(env.get("INFLUXDB_ADMIN_TOKEN", "")) >= 16, "INFLUXDB_ADMIN_TOKEN has at least 16 characters")
    # The backend's own limits (src/Jobmon.Api/Infrastructure/JobmonSettings.cs); empty = generated/disabled.
    for k, n in (("JOBMON_JWT_SECRET", 32), ("JOBMON_ADMIN_PASSWORD", 10),
                 ("JOBMON_INGEST_TOKEN", 16), ("JOBMON_ADMIN_TOKEN", 16)):
        v = env.get(k, "")
        need(v == "" or len(v) >= n, f"{k} is empty or has at least {n} characters")
    need(not re.search(r"[;'\"]", env.get("POSTGRES_PASSWORD", "")),
         "POSTGRES_PASSWORD has no ';' or quotes (it goes into a connection string)")
    url = env.get("BACKEND_URL", "")
    need(url.startswith("https://") and not url.endswith("/"), f"BACKEND_URL {url!r} is https:// without a trailing slash")
    ws = env.get("BACKEND_WS", "")
    if ws and not ws.startswith("wss://"):
        out("WARN", f"BACKEND_WS {ws!r} is not wss://")
    tok = env.get("JOBMON_INFLUXDB_TOKEN", "")
    if not tok:
        out("WARN", "JOBMON_INFLUXDB_TOKEN is empty: no metrics until ops/compose/influx-tokens has run "
                    "(no fallback to INFLUXDB_ADMIN_TOKEN)")
    elif tok == env.get("INFLUXDB_ADMIN_TOKEN"):
        out("WARN", "JOBMON_INFLUXDB_TOKEN equals INFLUXDB_ADMIN_TOKEN: the backend would hold an all-access token")
    else:
        out("PASS", "JOBMON_INFLUXDB_TOKEN is set and is not the admin token")
    cfg = env.get("JOBMON_CONFIG", "")
    if cfg:
        if not cfg.startswith("/etc/jobmon/"):
            out("FAIL", f"JOBMON_CONFIG {cfg} is not under /etc/jobmon/ (where ./backend is mounted)")
        else:
            host = os.path.join(repo, "backend", cfg[len("/etc/jobmon/"):])
            if not os.path.isfile(host):
                out("FAIL", f"JOBMON_CONFIG={cfg} but {rel(repo, host)} does not exist")
            else:
                try:
                    with open(host, encoding="utf-8") as f:
                        json.load(f)
                    out("PASS", f"{rel(repo, host)} exists and is valid JSON")
                except (OSError, ValueError) as e:
                    out("FAIL", f"{rel(repo, host)} is not valid JSON: {e}")
    return 0


# ---------------------------------------------------------------- edge routing
def nginx_parse(text):
    """Tiny nginx config parser -> list of (directive, args, children|None)."""
    toks, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in "{};":
            toks.append(c)
            i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            toks.append(text[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in ";{}":
                j += 1
            toks.append(text[i:j])
            i = j

    def block(pos):
        items = []
        while pos < len(toks):
            if toks[pos] == "}":
                return items, pos + 1
            words = []
            while pos < len(toks) and toks[pos] not in (";", "{", "}"):
                words.append(toks[pos])
                pos += 1
            if pos < len(toks) and toks[pos] == "{":
                children, pos = block(pos + 1)
                items.append((words[0], words[1:], children))
            else:
                pos += 1
                if words:
                    items.append((words[0], words[1:], None))
        return items, pos
    return block(0)[0]


def directives(block, name):
    return [args for d, args, ch in block if d == name and ch is None]


def check_original_job_links(srv):
    """The original JobMon's /job/<id> links get the backend's answer: 301 to the UI's /jobs/<id>, relative."""
    regex_locs = [(a, ch) for d, a, ch in srv if d == "location" and len(a) == 2 and a[0] in ("~", "~*")]
    found = [(a[1], ch) for a, ch in regex_locs if re.search(a[1], "/job/123")]
    if not found:
        out("FAIL", "edge proxy: no regex location for the original's /job/<id> links")
        return
    pattern, ch = found[0]
    captures = {p: (re.search(pattern, p).group(1) if re.search(pattern, p) else None)
                for p in ("/job/123", "/job/123_4", "/job/abc", "/job/123/x", "/jobs/123", "/job/")}
    want = {"/job/123": "123", "/job/123_4": "123_4", "/job/abc": None, "/job/123/x": None, "/jobs/123": None,
            "/job/": None}
    ret = directives(ch, "return")
    if captures != want:
        out("FAIL", f"edge proxy: /job/ location {pattern} matches {captures}, expected {want}")
    elif not ret or ret[0] != ["301", "/jobs/$1"]:
        out("FAIL", f"edge proxy: /job/<id> answers {ret}, expected return 301 /jobs/$1")
    elif directives(ch, "absolute_redirect") != [["off"]]:
        out("FAIL", "edge proxy: /job/<id> redirect is absolute (absolute_redirect off keeps a remapped port)")
    else:
        out("PASS", "edge proxy: /job/<id> and /job/<id>_<task> -> 301 /jobs/<id> (relative), other paths untouched")


def cmd_frontend(conf):
    """The frontend's nginx serves the built UI compressed, hashed assets cached a year, index.html revalidated."""
    text = open(conf, encoding="utf-8").read()
    servers = [ch for d, _, ch in nginx_parse(text) if d == "server"]
    if not servers:
        out("FAIL", f"frontend: no server block in {conf}")
        return
    srv = servers[0]
    types = set(sum(directives(srv, "gzip_types"), []))
    missing = {"application/javascript", "text/css", "application/json"} - types
    if directives(srv, "gzip") != [["on"]] or missing:
        out("FAIL", f"frontend: gzip not on for scripts, styles and JSON (gzip_types lacks {sorted(missing)})")
    else:
        out("PASS", "frontend: gzip for HTML, scripts, styles and JSON")
    locs = {" ".join(a): ch for d, a, ch in srv if d == "location"}

    def cache_control(loc):
        return [a[1] for a in directives(locs.get(loc, []), "add_header") if a and a[0].lower() == "cache-control"]

    if cache_control("/assets/") == ["public, max-age=31536000, immutable"]:
        out("PASS", "frontend: /assets/ (hashed names) Cache-Control: public, max-age=31536000, immutable")
    else:
        out("FAIL", f"frontend: /assets/ Cache-Control is {cache_control('/assets/')}, expected a year, immutable")
    if cache_control("= /index.html") == ["no-cache"]:
        out("PASS", "frontend: index.html Cache-Control: no-cache (a deploy is picked up at once)")
    else:
        out("FAIL", f"frontend: index.html Cache-Control is {cache_control('= /index.html')}, expected no-cache")


def cmd_routes(confdir):
    """The edge proxy routes what the stack promises to the right upstream."""
    text = "\n".join(open(p, encoding="utf-8").read() for p in sorted(glob.glob(os.path.join(confdir, "*.conf"))))
    top = nginx_parse(text)
    servers = [ch for d, _, ch in top if d == "server"]
    plain = [s for s in servers if any(a and a[0].split(":")[-1] == "80" for a in directives(s, "listen"))]
    tls = [s for s in servers if any("ssl" in a for a in directives(s, "listen"))]
    if not plain:
        out("FAIL", "edge proxy: no server listening on 80")
    else:
        locs = {" ".join(a): ch for d, a, ch in plain[0] if d == "location"}
        ret = directives(locs.get("/", []), "return") or directives(plain[0], "return")
        if ret and ret[0][0] == "301" and ret[0][1].startswith("https://"):
            out("PASS", f"edge proxy: port 80 redirects (301) to {ret[0][1]}")
        else:
            out("FAIL", f"edge proxy: port 80 does not redirect to https:// (return {ret})")
    if not tls:
        out("FAIL", "edge proxy: no TLS server")
        return 0
    srv = tls[0]
    var = {a[0]: a[1] for a in directives(srv, "set") if len(a) == 2}

    def upstream(ch):
        pp = directives(ch, "proxy_pass")
        if not pp:
            return None
        target = pp[0][0]
        return var.get(target, target)

    def setting(ch, name):
        got = directives(ch, name) or directives(srv, name)
        return got[0] if got else None

    locs = {" ".join(a): ch for d, a, ch in srv if d == "location"}
    backend, frontend = "http://jobmon_backend:8080", "http://jobmon_frontend:8080"
    want = [("^~ /api/live/", backend), ("/api/", backend), ("/auth/", backend), ("/health/", backend),
            ("= /metrics", backend), ("/", frontend)]
    for loc, up in want:
        ch = locs.get(loc)
        if ch is None:
            out("FAIL", f"edge proxy: no `location {loc}`")
            continue
        got = upstream(ch)
        if got != up:
            out("FAIL", f"edge proxy: location {loc} proxies to {got}, expected {up}")
            continue
        extra, issues = [], []
        if directives(ch, "add_header"):
            issues.append("has add_header, which drops the server's HSTS header")
        if loc == "^~ /api/live/":
            if setting(ch, "proxy_buffering") != ["off"]:
                issues.append("is buffered (SSE needs proxy_buffering off)")
            rt = (setting(ch, "proxy_read_timeout") or ["60s"])[0]
            m = re.match(r"^(\d+)([smhd]?)$", rt)
            secs = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] if m else 0
            if secs < 600:
                issues.append(f"proxy_read_timeout {rt} is short for idle streams (want >= 10m)")
            extra.append("unbuffered, read timeout " + rt)
        if loc == "= /metrics":
            if ["all"] not in directives(ch, "deny"):
                issues.append("is not restricted (no `deny all`)")
            extra.append("allow " + ", ".join(a[0] for a in directives(ch, "allow")) + ", deny all")
        if issues:
            for i in issues:
                out("FAIL", f"edge proxy: location {loc} {i}")
            continue
        out("PASS", f"edge proxy: location {loc} -> {got}" + (f" ({'; '.join(extra)})" if extra else ""))
    check_original_job_links(srv)
    headers = {a[0].lower(): a[1] for a in directives(srv, "proxy_set_header") if len(a) >= 2}
    need = {"host": None, "x-forwarded-for": "$proxy_add_x_forwarded_for", "x-forwarded-proto": "$scheme",
            "upgrade": "$http_upgrade", "connection": None}
    miss = [h for h, v in need.items() if h not in headers or (v and headers[h] != v)]
    if miss:
        out("FAIL", f"edge proxy: proxy_set_header missing or unexpected for {', '.join(miss)}")
    else:
        out("PASS", "edge proxy: Host, X-Forwarded-For/-Proto and WebSocket Upgrade/Connection headers set")
    conn = headers.get("connection", "")
    if conn.startswith("$"):
        maps = [ch for d, a, ch in top if d == "map" and len(a) == 2 and a[1] == conn]
        if not maps or not any(d == "default" and args == ["upgrade"] for d, args, _ in maps[0]):
            out("FAIL", f"edge proxy: Connection header {conn} is not mapped from $http_upgrade to upgrade")
    if setting(srv, "proxy_http_version") != ["1.1"]:
        out("FAIL", "edge proxy: proxy_http_version 1.1 is needed for WebSockets")
    hsts = [a for a in directives(srv, "add_header") if a and a[0].lower() == "strict-transport-security"]
    if hsts and re.search(r"max-age=(\d+)", hsts[0][1]) and int(re.search(r"max-age=(\d+)", hsts[0][1]).group(1)) >= 15552000:
        out("PASS", f"edge proxy: HSTS {hsts[0][1]}")
    else:
        out("FAIL", "edge proxy: no HSTS header with max-age of at least 180 days")
    cmb = directives(srv, "client_max_body_size")
    if cmb:
        out("PASS", f"edge proxy: client_max_body_size {cmb[0][0]}")
    else:
        out("FAIL", "edge proxy: client_max_body_size not set (nginx's default is 1m)")
    protos = directives(srv, "ssl_protocols")
    if protos and not set(protos[0]) - {"TLSv1.2", "TLSv1.3"}:
        out("PASS", f"edge proxy: ssl_protocols {' '.join(protos[0])}")
    else:
        out("FAIL", f"edge proxy: ssl_protocols should be TLSv1.2/TLSv1.3 only (got {protos})")
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    flags = {a for a in args if a.startswith("--")}
    args = [a for a in args if not a.startswith("--")]
    if cmd == "envdoc":
        cmd_envdoc(*args)
    elif cmd == "interpolate":
        cmd_interpolate(*args)
    elif cmd == "structure":
        cmd_structure(*args, operator="--operator" in flags)
    elif cmd == "dockerfiles":
        cmd_dockerfiles(*args, strict="--strict" in flags)
    elif cmd == "render":
        cmd_render(*args)
    elif cmd == "routes":
        cmd_routes(*args)
    elif cmd == "frontend":
        cmd_frontend(*args)
    elif cmd == "preflight":
        cmd_preflight(*args)
    else:
        print(__doc__)
        return 2
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

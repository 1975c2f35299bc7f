"""Backup and restore: one archive file with the database, the files beside it and a manifest.

The archive (a tar file, gzipped when its name ends in .gz or .tgz) holds:

- ``manifest.json``: format, app version, time, the database's dialect, its schema revisions
  (alembic), and the SHA-256 and size of every other member;
- the database: ``database.sqlite3``, a copy made with SQLite's online backup API (one read
  transaction, so a consistent snapshot while the app keeps writing), or ``database.pgdump``
  from ``pg_dump -Fc`` (one snapshot as well);
- ``sepa/``: the SEPA export folder (grants.payments.export); ``mail/``: the mail folder, where
  mail goes when no SMTP server is set;
- ``secret/secret_key`` and ``secret/config.py`` only when asked for (``--with-secrets``).

Letters (decisions.pdf) and attachments are rows of the database, so the copy holds them. The
job queue's file (``jobs.sqlite3``) is left out: every job's state is in the database and
``flask grants jobs resume`` queues what is unfinished again.

A restore checks the archive whole before it changes anything: the manifest, every member's
SHA-256, the schema revisions (known to this code), the dialect, an empty target (or
``force``), and the SEPA export folder: a file there whose run the restored database does not
hold as approved went to the bank after the backup was made, so the restore refuses, naming
them, unless ``mark_sent`` records them (grants.payments.export) so that they are not paid
again.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app

from grants.database import writing
from grants.extensions import db
from grants.payments.export import export_dir, export_missing, exported_files, record_sent

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
SEPA_PREFIX = "sepa/"
MAIL_PREFIX = "mail/"
SECRET_PREFIX = "secret/"  # noqa: S105 (a folder in the archive)
SECRET_FILES = ("secret_key", "config.py")
# Where Debian and Ubuntu put the client programs of each PostgreSQL version.
DEBIAN_PG_BINS = "/usr/lib/postgresql"


class BackupError(Exception):
    """A refusal with a message for the operator (nothing was changed)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    exported: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict
    marked_sent: list[str] = field(default_factory=list)
    files_restored: list[str] = field(default_factory=list)
    files_kept: list[str] = field(default_factory=list)


# -- helpers --------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> str:
    try:
        return metadata.version("grants")
    except metadata.PackageNotFoundError:
        return "unknown"


def _dialect() -> str:
    return db.engine.dialect.name


def _sqlite_path() -> Path:
    return Path(db.engine.url.database)


def find_pg_program(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from GRANTS_PG_BIN, the PATH, or Debian's folders (the
    newest version, which reads dumps of every older server)."""
    configured = current_app.config.get("PG_BIN")
    if configured:
        candidate = Path(configured) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise BackupError(f"{name} staat niet in GRANTS_PG_BIN ({configured}).")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path(DEBIAN_PG_BINS).glob(f"*/bin/{name}"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if versions:
        return str(versions[-1])
    raise BackupError(f"Het programma {name} is niet gevonden. Installeer de "
                      "PostgreSQL-clientprogramma's (Debian: apt-get install postgresql-client) "
                      f"of zet GRANTS_PG_BIN op de map waarin {name} staat.")


def _libpq_target() -> tuple[str, dict]:
    """The database as a libpq URI without its password, which goes in the environment (not
    on a command line that every user of the machine can read)."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False), env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} faalde (code {result.returncode}): "
                          f"{result.stderr.strip()}")


def known_revisions() -> set[str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def _live_revisions() -> list[str]:
    with db.engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return []
        return sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))


# -- backup ---------------------------------------------------------------------------------

def _copy_sqlite(target: Path) -> list[str]:
    """The online backup API, in one step: one read transaction on the source, so the copy is
    one moment's database while writers go on (WAL). Checked before it is packed."""
    timeout = current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
    source = sqlite3.connect(_sqlite_path(), timeout=timeout)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # One plain file: no -wal beside it to lose on the way.
        copy.execute("PRAGMA journal_mode=DELETE")
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError("De kopie van de database is niet in orde: " + "; ".join(problems))
        if copy.execute("PRAGMA foreign_key_check").fetchall():
            raise BackupError("De kopie van de database heeft verwijzingen naar ontbrekende "
                              "rijen.")
        return sorted(row[0] for row in copy.execute("SELECT version_num FROM alembic_version"))
    finally:
        copy.close()
        source.close()


def _dump_postgres(target: Path) -> list[str]:
    pg_dump = find_pg_program("pg_dump")
    uri, env = _libpq_target()
    before = _live_revisions()
    _run([pg_dump, "-Fc", "--file", str(target), "--dbname", uri], env)
    if _live_revisions() != before:
        raise BackupError("Het databaseschema veranderde tijdens de back-up (een migratie); "
                          "probeer het opnieuw.")
    return before


def _instance_files(with_secrets: bool) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for name, path in exported_files(export_dir()).items():
        files[f"{SEPA_PREFIX}{name}.xml"] = path
    mail = Path(current_app.instance_path) / "mail"
    if mail.is_dir():
        for path in sorted(mail.rglob("*")):
            if path.is_file():
                files[MAIL_PREFIX + path.relative_to(mail).as_posix()] = path
    if with_secrets:
        for name in SECRET_FILES:
            path = Path(current_app.instance_path) / name
            if path.is_file():
                files[SECRET_PREFIX + name] = path
    return files


def _tar_mode(path: Path, writing_: bool) -> str:
    compressed = path.name.endswith((".gz", ".tgz"))
    return ("w:gz" if compressed else "w") if writing_ else ("r:gz" if compressed else "r")


def create_backup(path: str | os.PathLike, now: datetime, *, replace: bool = False,
                  with_secrets: bool = False) -> BackupResult:
    """Write the archive at ``path`` whole or not at all (a temporary file renamed)."""
    target = Path(path).absolute()
    if target.exists() and not replace:
        raise BackupError(f"{target} bestaat al; geef --replace om het te overschrijven.")
    if not target.parent.is_dir():
        raise BackupError(f"De map {target.parent} bestaat niet.")
    # An approval whose file could not be exported after its commit gets it now, so that the
    # folder (and the archive) hold every file the bank may have.
    exported, refused = export_missing()
    db.session.rollback()
    if refused:
        raise BackupError("In de SEPA-exportmap staat onder deze berichtnummers een ander "
                          "bestand dan de goedgekeurde betaalrun in de database: "
                          + ", ".join(refused) + ". Zoek uit welk bestand de bank kreeg.")
    dialect = _dialect()
    with tempfile.TemporaryDirectory(prefix=".grants-backup-", dir=target.parent) as work:
        if dialect == "sqlite":
            member = SQLITE_MEMBER
            revisions = _copy_sqlite(Path(work) / member)
        elif dialect == "postgresql":
            member = POSTGRES_MEMBER
            revisions = _dump_postgres(Path(work) / member)
        else:
            raise BackupError(f"Back-ups van een {dialect}-database kan dit programma niet.")
        sources = {member: Path(work) / member, **_instance_files(with_secrets)}
        manifest = {
            "format": FORMAT, "app": "grants", "app_version": _app_version(),
            "created_at": now.isoformat(), "database": {"dialect": dialect, "member": member},
            "schema_revisions": revisions, "includes_secrets": with_secrets,
            "members": {name: {"sha256": _sha256(source), "size": source.stat().st_size}
                        for name, source in sources.items()},
        }
        fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(fd)
        try:
            with tarfile.open(partial, _tar_mode(target, True)) as archive:
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(data), int(now.timestamp())
                archive.addfile(info, io.BytesIO(data))
                for name, source in sources.items():
                    archive.add(source, arcname=name, recursive=False)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.chmod(partial, 0o600)  # letters, IBANs, perhaps the key: for the operator only
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return BackupResult(target, manifest, exported)


# -- restore --------------------------------------------------------------------------------

def _safe_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return bool(name) and not pure.is_absolute() and ".." not in pure.parts


def read_archive(path: str | os.PathLike, work: Path) -> dict:
    """Unpack into ``work`` after checking that it is whole: the manifest is there, every
    member it names is there with its SHA-256, and there is nothing else."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source} bestaat niet.")
    try:
        with tarfile.open(source, _tar_mode(source, False)) as archive:
            members = {member.name: member for member in archive.getmembers()}
            if MANIFEST not in members:
                raise BackupError(f"{source} heeft geen {MANIFEST}: het is geen back-up van "
                                  "deze applicatie.")
            try:
                manifest = json.loads(archive.extractfile(members[MANIFEST]).read())
                listed = manifest["members"]
                manifest["database"]["member"]  # noqa: B018 (must be present)
            except (ValueError, KeyError, TypeError) as error:
                raise BackupError(f"Het manifest van {source} is onleesbaar ({error}).") from None
            if manifest.get("format") != FORMAT:
                raise BackupError(f"Onbekend back-upformaat {manifest.get('format')!r}.")
            extra = sorted(set(members) - set(listed) - {MANIFEST})
            missing = sorted(set(listed) - set(members))
            if extra or missing:
                raise BackupError("De back-up klopt niet met haar manifest: "
                                  + "; ".join(filter(None, [
                                      missing and "ontbreekt: " + ", ".join(missing),
                                      extra and "niet vermeld: " + ", ".join(extra)])))
            for name, expected in listed.items():
                member = members[name]
                if not member.isfile() or not _safe_name(name):
                    raise BackupError(f"De back-up bevat een ongeldig onderdeel: {name}.")
                destination = work / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with archive.extractfile(member) as data, destination.open("wb") as out:
                    for chunk in iter(lambda data=data: data.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected["sha256"]:
                    raise BackupError(f"{name} in de back-up is beschadigd (SHA-256 klopt "
                                      "niet).")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"{source} is niet te lezen als back-up: {error}.") from None
    return manifest


def _runs_in_sqlite(copy: Path) -> dict[str, str]:
    connection = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        return dict(connection.execute("SELECT message_id, status FROM payment_runs"))
    finally:
        connection.close()


def _runs_in_pgdump(dump: Path) -> dict[str, str]:
    """The payment runs' message ids and statuses, read from the dump itself (pg_restore to
    standard output): the live database is not touched before every check has passed."""
    pg_restore = find_pg_program("pg_restore")
    result = subprocess.run(  # noqa: S603
        [pg_restore, "--data-only", "--table=payment_runs", "--file=-", str(dump)],
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_restore kon de back-up niet lezen: {result.stderr.strip()}")
    runs, columns = {}, None
    for line in result.stdout.splitlines():
        if columns is None:
            if line.startswith("COPY ") and "payment_runs" in line.split(" (", 1)[0]:
                columns = [c.strip() for c in line.split("(", 1)[1].split(")", 1)[0].split(",")]
            continue
        if line == "\\.":
            break
        values = dict(zip(columns, line.split("\t"), strict=True))
        runs[values["message_id"]] = values["status"]
    return runs


def forgotten_runs(runs: dict[str, str]) -> dict[str, Path]:
    """Files in the export folder whose run is missing or not approved in ``runs``."""
    return {message_id: path for message_id, path in exported_files(export_dir()).items()
            if runs.get(message_id) != "approved"}


def _has_rows() -> bool:
    with db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            quoted = connection.dialect.identifier_preparer.quote(table)
            if connection.scalar(sa.text(f"SELECT 1 FROM {quoted} LIMIT 1")):  # noqa: S608
                return True
    return False


def _replace_sqlite(copy: Path) -> None:
    """Put the copy in the database file's place in one rename, refusing while any other
    connection has the database open (an app, a worker, a shell)."""
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(copy, staged)
    with open(staged, "rb") as handle:
        os.fsync(handle.fileno())
    guard = None
    try:
        if target.exists():
            guard = sqlite3.connect(target, timeout=0, isolation_level=None)
            try:
                # In WAL mode an exclusive lock is only granted while no other connection has
                # the database open, reading or not.
                guard.execute("PRAGMA locking_mode=EXCLUSIVE")
                guard.execute("BEGIN EXCLUSIVE")
                guard.execute("COMMIT")
                # Nothing of the old database may stay beside the new one: a -wal left behind
                # would be played into it by the next connection.
                guard.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                guard.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.OperationalError:
                raise BackupError(
                    f"De database {target} is in gebruik (een webserver, worker of andere "
                    "verbinding heeft haar open). Stop de applicatie en haar workers en probeer "
                    "het opnieuw.") from None
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staged, target)
    finally:
        if guard is not None:
            guard.close()
        staged.unlink(missing_ok=True)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _restore_postgres(dump: Path) -> None:
    pg_restore = find_pg_program("pg_restore")
    uri, env = _libpq_target()
    # One transaction: the database is the backup's or stays as it was. Roles and grants are
    # the target server's business: run `flask grants db-roles` again afterwards.
    _run([pg_restore, "--clean", "--if-exists", "--single-transaction", "--no-owner",
          "--no-privileges", "--dbname", uri, str(dump)], env)


def _restore_files(work: Path, manifest: dict, with_secrets: bool,
                   result: RestoreResult) -> None:
    """Files the instance lacks come back; files it has are kept (the export folder is the
    truth about what went to the bank, and is newer than any backup)."""
    instance = Path(current_app.instance_path)
    folders = {SEPA_PREFIX: export_dir(), MAIL_PREFIX: instance / "mail"}
    if with_secrets:
        folders[SECRET_PREFIX] = instance
    for name in manifest["members"]:
        prefix = next((p for p in folders if name.startswith(p)), None)
        if prefix is None:
            continue
        destination = folders[prefix] / name[len(prefix):]
        source = work / name
        if destination.exists() and prefix != SECRET_PREFIX:
            if destination.read_bytes() != source.read_bytes():
                result.files_kept.append(name)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        result.files_restored.append(name)


def restore_backup(path: str | os.PathLike, now: datetime, *, force: bool = False,
                   mark_sent: bool = False, with_secrets: bool = False) -> RestoreResult:
    """Check the archive and put it back. Run while no app or worker uses the database."""
    with tempfile.TemporaryDirectory(prefix="grants-restore-") as folder:
        work = Path(folder)
        manifest = read_archive(path, work)
        result = RestoreResult(manifest)
        dialect = manifest["database"].get("dialect")
        if dialect != _dialect():
            raise BackupError(f"Deze back-up is van een {dialect}-database; deze applicatie "
                              f"gebruikt {_dialect()}.")
        unknown = sorted(set(manifest.get("schema_revisions") or []) - known_revisions())
        if unknown or not manifest.get("schema_revisions"):
            raise BackupError("De back-up heeft een databaseschema dat deze versie van de "
                              f"applicatie niet kent ({', '.join(unknown) or 'geen'}); "
                              "gebruik de versie die de back-up maakte.")
        if with_secrets and not manifest.get("includes_secrets"):
            raise BackupError("Deze back-up bevat geen geheime sleutel (gemaakt zonder "
                              "--with-secrets).")
        dump = work / manifest["database"]["member"]
        runs = _runs_in_sqlite(dump) if dialect == "sqlite" else _runs_in_pgdump(dump)
        forgotten = forgotten_runs(runs)
        if forgotten and not mark_sent:
            raise BackupError(
                "De bank kreeg na deze back-up nog SEPA-bestanden die de teruggezette database "
                "niet als goedgekeurde betaalrun kent: " + ", ".join(
                    f"{mid} ({_run_state(runs.get(mid))})" for mid in forgotten)
                + ". Er is niets teruggezet. Geef --mark-sent om toch terug te zetten: dan "
                "worden die betalingen vastgelegd als verstuurd en niet opnieuw betaald.")
        db.session.remove()
        if not force and _has_rows():
            raise BackupError("De database bevat al gegevens; er is niets teruggezet. Geef "
                              "--force om haar te vervangen door de back-up.")
        db.engine.dispose()
        if dialect == "sqlite":
            _replace_sqlite(dump)
        else:
            _restore_postgres(dump)
        db.engine.dispose()
        if forgotten:
            with writing():
                for message_id, file in forgotten.items():
                    record_sent(message_id, file.read_bytes(), now,
                                f"restore of backup of {manifest['created_at']}: run "
                                f"{_run_state(runs.get(message_id))}")
                db.session.commit()
            result.marked_sent = sorted(forgotten)
        _restore_files(work, manifest, with_secrets, result)
    return result


def _run_state(status: str | None) -> str:
    return {None: "ontbreekt", "prepared": "voorbereid", "cancelled": "geannuleerd"}.get(
        status, status)

"""Registering a package's Lua scripts, with and without a shared prelude."""

from importlib import resources

from ingest.storage.redis_scripts import register_scripts


class RecordingClient:
    def register_script(self, text):
        return text


def lua(package, name):
    return resources.files(package).joinpath(name).read_text("utf-8")


def test_each_script_is_registered_after_the_header_and_the_prelude():
    scripts = register_scripts(RecordingClient(), "ingest.jobtree.tally", ("add", "move"), prelude="common.lua",
                               header="local X = 1\n")
    assert list(scripts) == ["add", "move"]
    common = lua("ingest.jobtree.tally", "common.lua")
    assert scripts["move"] == "local X = 1\n" + common + "\n" + lua("ingest.jobtree.tally", "move.lua")


def test_without_a_prelude_a_script_is_its_file_alone():
    scripts = register_scripts(RecordingClient(), "ingest.storage.digests", ("claim",))
    assert scripts == {"claim": lua("ingest.storage.digests", "claim.lua")}

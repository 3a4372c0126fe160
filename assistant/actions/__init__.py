"""Actions: when something happens on a live, do something (docs/actions.md).

A streamer's team keeps rules per creator (rules.py: a trigger, cooldowns, actions); the creator's runner evaluates
them on what it publishes (creator.py, evaluator.py), so each event fires each rule once, cluster-wide; the effects
are an overlay's text, image and sound, a spoken line, a named counter, a signed webhook (webhooks/). Everything is
kept in the records database (records/schema.py), so actions need records on (RECORD_STREAMS, the default).

`Actions` is the process's one object (`app.extensions["actions"]`, None with records off): the API's (api.py)
reads and changes, the runners' CreatorActions, the counters' writer, the webhooks' dispatcher.
"""

import logging

import eventlet
from eventlet.queue import LightQueue

from . import repository
from .creator import CreatorActions
from .evaluator import CompiledRule, Firing
from .media import media_exists
from .rules import MAX_RULES_PER_CREATOR, RuleError, has_webhook, parse_rule
from .templates import event_values
from .webhooks import Webhooks, check_webhook_url, new_secret

__all__ = ["Actions", "RuleError"]

log = logging.getLogger(__name__)

MEDIA_PATH = "/media/"


class Actions:
    def __init__(self, database, store, allow_private=False):
        self.database = database
        self.store = store
        self._allow_private = allow_private
        self.webhooks = Webhooks(database, allow_private)
        self._local = {}  # username -> {CreatorActions} of this process's runners
        self._counter_adds = LightQueue()
        self._writer = None

    @classmethod
    def from_config(cls, config, records, store):
        """The actions for these settings; None when records are off (the rules live in that database)."""
        if records is None:
            return None
        return cls(records.own_database(), store, config["WEBHOOK_ALLOW_PRIVATE"])

    def start(self):
        self.webhooks.start()
        self._writer = eventlet.spawn(self._write_counters_forever)

    def stop(self):
        """Write the counters' changes still queued, stop the dispatcher (shutdown)."""
        if self._writer is not None:
            self._writer.kill()
            self._write_counters(self._take_counter_adds())
        self.webhooks.stop()
        self.database.close()

    def stats(self):
        """For /debug: the webhooks' deliveries by status, and the creators whose rules this process runs."""
        return {"webhooks": self.webhooks.stats(), "creators": sorted(self._local)}

    # -- the rules, for the API ---------------------------------------------------------------------

    def rules(self, username=None):
        return self.database.run(repository.list_rules, username)

    def rule(self, rule_id):
        return self.database.run(repository.get_rule, rule_id)

    def _parsed(self, body):
        return parse_rule(body, lambda url: check_webhook_url(url, self._allow_private),
                          lambda name, kind: self.database.run(media_exists, name, kind))

    def create(self, body):
        """(rule, secret or None): the secret is shown once, given or made when the rule has a webhook."""
        rule = self._parsed(body)
        if self.database.run(repository.count_rules, rule["username"]) >= MAX_RULES_PER_CREATOR:
            raise RuleError(f"@{rule['username']} has {MAX_RULES_PER_CREATOR} rules already: delete one first.")
        secret = rule.get("secret") or (new_secret() if has_webhook(rule) else None)
        kept = self.database.run(repository.add_rule, rule, secret)
        self.changed(kept["username"])
        return kept, secret

    def replace(self, rule_id, body):
        """(rule or None when there is none, the new secret or None). `rotateSecret: true` makes a new one."""
        rule = self._parsed(body)
        before = self.rule(rule_id)
        if before is None:
            return None, None
        secret = rule.get("secret")
        if secret is None and has_webhook(rule) and (body.get("rotateSecret") is True or not before["hasSecret"]):
            secret = new_secret()
        kept = self.database.run(repository.replace_rule, rule_id, rule, secret)
        if kept is not None:
            self.changed(before["username"], kept["username"])
        return kept, secret

    def delete(self, rule_id):
        username = self.database.run(repository.delete_rule, rule_id)
        if username is not None:
            self.changed(username)
        return username is not None

    def deliveries(self, rule_id):
        """The rule's last deliveries, newest first; None when there is no such rule."""
        if self.rule(rule_id) is None:
            return None
        return self.webhooks.recent(rule_id)

    def test(self, rule, sample, emit):
        """Fire `rule`'s actions once with `sample` (an event of its trigger's type), the counters unchanged:
        {fired: actions run, deliveries: [deliveryId]}. `emit(event, payload)` reaches the creator's room."""
        firing = Firing(CompiledRule(rule), sample, event_values(sample, milestone=rule["trigger"].get("every")))
        counters = self.database.run(repository.counters, rule["username"])
        return {"fired": len(rule["actions"]), "deliveries": self.perform(firing, emit, counters)}

    def perform(self, firing, emit, counters, count=None):
        """Do what a fired rule says, in its order: `overlay` and `tts` emitted as `action` (`emit(event, payload)`
        reaches the creator's room), texts rendered with `counters` ({name: value}); `webhook` queued; `counter` by
        `count(name, add)`, which changes the counter before the texts after it render it (None: a test, counters
        unchanged). The deliveries' ids."""
        rule = firing.rule
        username = rule.rule["username"]
        deliveries = []
        for index, action in enumerate(rule.rule["actions"]):
            kind = action["type"]
            if kind == "counter":
                if count is not None:
                    count(action["name"], action["add"])
            elif kind == "webhook":
                deliveries.append(self.webhooks.enqueue(rule.id, username, action["url"], firing.event))
            else:
                text = rule.templates[index].render(firing.values, counters)
                emit("action", self.action_payload(username, rule.rule, action, text))
        return deliveries

    def changed(self, *usernames):
        """Rules or counters of these creators changed: the runners of every process load them again (this
        process's at once, before the API answers; the others' within a second, by the store's version)."""
        for username in set(usernames):
            self.store.bump_rules_version(username)
            for creator in list(self._local.get(username, ())):
                creator.reload()

    # -- counters -----------------------------------------------------------------------------------

    def counters(self, username):
        values = self.database.run(repository.counters, username)
        return [{"name": name, "value": value} for name, value in sorted(values.items())]

    def set_counter(self, username, name, value):
        self.database.run(repository.set_counter, username, name, value)
        self.changed(username)

    def add_to_counter(self, username, name, add):
        """From a runner: the counter changed by `add` (written by the counters' writer)."""
        self._counter_adds.put((username, name, add))

    def _take_counter_adds(self):
        adds = {}
        while not self._counter_adds.empty():
            username, name, add = self._counter_adds.get_nowait()
            adds[username, name] = adds.get((username, name), 0) + add
        return adds

    def _write_counters_forever(self):
        while True:
            item = self._counter_adds.get()
            self._counter_adds.put(item)  # taken again with the rest, in one transaction
            self._write_counters(self._take_counter_adds())

    def _write_counters(self, adds):
        if not adds:
            return
        try:
            self.database.run(repository.add_to_counters, adds)
        except Exception as ex:  # the database down: the counter shown goes on; the page shows the last written
            log.warning("Actions: %d counter change(s) could not be written: %s", len(adds), ex)

    # -- the runners' side ----------------------------------------------------------------------------

    def for_creator(self, username, emit, room, chatters=None):
        """A runner's CreatorActions (its `start` reads the rules)."""
        creator = CreatorActions(self, username, emit, room, chatters)
        self._local.setdefault(username, set()).add(creator)
        return creator

    def forget(self, creator):
        """A runner stopped (CreatorActions.stop)."""
        runners = self._local.get(creator.username, set())
        runners.discard(creator)
        if not runners:
            self._local.pop(creator.username, None)

    def load(self, username):
        """(the creator's enabled rules, its counters): blocks the calling green thread only."""
        return self.database.run(_rules_and_counters, username)

    @staticmethod
    def action_payload(username, rule, action, text):
        """The `action` event of an overlay or tts action (docs/protocol.md)."""
        overlay = action["type"] == "overlay"
        return {
            "username": username, "ruleId": rule["id"], "ruleName": rule["name"], "kind": action["type"],
            "text": text,
            "image": MEDIA_PATH + action["image"] if overlay and action.get("image") else None,
            "sound": MEDIA_PATH + action["sound"] if overlay and action.get("sound") else None,
            "seconds": action["seconds"] if overlay else None,
        }


def _rules_and_counters(connection, username):
    return repository.enabled_rules(connection, username), repository.counters(connection, username)

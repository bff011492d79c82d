#!/usr/bin/env python3
"""Writes mailman2-config.pck: a Mailman 2.1 list's config.pck as Mailman
2 (Python 2) writes it, for the importer's tests.

Mailman 2 saves a list by pickling the MailList object's attributes (a
dict) with cPickle; the strings are Python 2 byte strings (pickled as
BINSTRING/SHORT_BINSTRING), text outside ASCII may be unicode, and a list
that saw bounces holds Mailman.Bouncer._BounceInfo instances (old-style
class instances: MARK, GLOBAL, OBJ, then their state with BUILD). Python 3
writes neither byte strings nor old-style instances that way, so this
pickler writes those opcodes itself.

Run from this folder: python3 make_mailman2_config.py
The fixture list "readers" has 100 members: members 1-80 regular, 81-100
digest; every tenth regular member has delivery disabled; member 1 is
also an owner and member 2 a moderator; owner@example.org owns the list
without being a member.
"""
import pickle
import struct

MARK, GLOBAL, OBJ, BUILD = b'(', b'c', b'o', b'b'
SHORT_BINSTRING, BINSTRING = b'U', b'T'


class BounceInfo:
    """Stands for Mailman.Bouncer._BounceInfo."""

    def __init__(self, member, score, date, noticesleft):
        self.member, self.score, self.date, self.noticesleft = member, score, date, noticesleft
        self.lastnotice = (1970, 1, 1)
        self.cookie = None


class Py2Pickler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()

    def save_str(self, obj):
        # Python 2 str for ASCII text, unicode otherwise.
        try:
            b = obj.encode('ascii')
        except UnicodeEncodeError:
            return pickle._Pickler.save_str(self, obj)
        if len(b) < 256:
            self.write(SHORT_BINSTRING + bytes([len(b)]) + b)
        else:
            self.write(BINSTRING + struct.pack('<i', len(b)) + b)
        self.memoize(obj)
    dispatch[str] = save_str

    def save_bounceinfo(self, obj):
        # pickle.py of Python 2, save_inst for protocol >= 1.
        self.write(MARK)
        self.write(GLOBAL + b'Mailman.Bouncer\n_BounceInfo\n')
        self.write(OBJ)
        self.memoize(obj)
        self.save(obj.__dict__)
        self.write(BUILD)
    dispatch[BounceInfo] = save_bounceinfo


def config():
    members, digest, names, status = {}, {}, {}, {}
    for i in range(1, 101):
        addr = 'member%03d@example.org' % i
        key = addr.lower()
        # The value is 0, or the address as typed when its case differs.
        value = 'Member%03d@Example.org' % i if i % 7 == 0 else 0
        (members if i <= 80 else digest)[key] = value
        names[key] = 'Member %d' % i if i != 5 else 'Zoë Five'
        if i <= 80 and i % 10 == 0:
            status[key] = (2, 1551398400.0)  # MemberAdaptor.BYUSER
    return {
        'real_name': 'Readers',
        'host_name': 'lists.example.org',
        'description': 'Readers of the old list',
        'info': 'A list for people who read together.\nPosts are archived.',
        'subject_prefix': '[%(real_name)s] ',
        'generic_nonmember_action': 1,
        'default_member_moderation': 0,
        'member_moderation_action': 0,
        'max_message_size': 40,
        'archive': True,
        'archive_private': 1,
        'advertised': 1,
        'subscribe_policy': 1,
        'reply_goes_to_list': 0,
        'reply_to_address': '',
        'personalize': 0,
        'emergency': 0,
        'msg_header': '',
        'msg_footer': '_______________________________________________\n'
                      '%(real_name)s mailing list\n'
                      '%(real_name)s@%(host_name)s\n'
                      '%(web_page_url)slistinfo%(cgiext)s/%(_internal_name)s',
        'welcome_msg': 'Welcome to the readers list.',
        'goodbye_msg': '',
        'ban_list': ['spammer@example.net'],
        'accept_these_nonmembers': [],
        'acceptable_aliases': '',
        'topics': [],
        'owner': ['member001@example.org', 'owner@example.org'],
        'moderator': ['member002@example.org'],
        'members': members,
        'digest_members': digest,
        'usernames': names,
        'passwords': {k: 'secret' for k in list(members) + list(digest)},
        'user_options': {k: 0 for k in list(members) + list(digest)},
        'language': {k: 'en' for k in list(members) + list(digest)},
        'delivery_status': status,
        'bounce_info': {'member003@example.org': BounceInfo('member003@example.org', 1.0, (2019, 3, 2), 3)},
        'digestable': 1,
        'nondigestable': 1,
        'data_version': 112,
        'created_at': 1420070400.0,
        'last_post_time': 1554033600.0,
    }


if __name__ == '__main__':
    with open('mailman2-config.pck', 'wb') as f:
        Py2Pickler(f, protocol=2).dump(config())

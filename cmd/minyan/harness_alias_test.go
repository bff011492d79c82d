package main

import "minyan/listserv"

type memberSpec = listserv.MemberSpec

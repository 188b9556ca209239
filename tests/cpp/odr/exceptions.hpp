// Two translation units of one program, one built with exceptions and one
// with -fno-exceptions, both using the throwing forms of TaskHandle<T>
// (wait(), spawn()). Each returns what it saw as "<kind>|<what()>|<value>".
#pragma once

#include <string>

std::string odr_with_exceptions();
std::string odr_without_exceptions();

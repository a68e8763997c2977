@echo off
echo hello

from toneprobe.cli import main

main()

from calgate.cli import main

main()

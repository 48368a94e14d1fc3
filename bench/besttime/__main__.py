from bench.besttime.run import main

main()

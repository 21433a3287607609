from kubectl_podsec.cli.main import main

main()
